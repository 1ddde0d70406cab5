// Resolvers of the ATT&CK object types: their relationship fields, each through a per-request loader.
import type { GraphNode } from '../../graph/read.js';
import { connectionFromList } from '../connection.js';
import type { Resolvers } from '../generated/graphql.js';
import { domainEnums, loadRelated, relatedConnection, relatedList, relatedOne, strings, typenameOf } from './shared.js';

const common = {
  domains: (node: GraphNode) => domainEnums(node.domains),
  revoked: (node: GraphNode) => node.revoked === true,
  deprecated: (node: GraphNode) => node.deprecated === true,
};

export const attackResolvers: Resolvers = {
  AttackObject: {
    __resolveType: (node) => typenameOf(node) as ReturnType<NonNullable<Resolvers['AttackObject']>['__resolveType']>,
  },
  Tactic: {
    ...common,
    domain: (node) => domainEnums([node.domain])[0] ?? 'ENTERPRISE',
    techniques: async (tactic, args, ctx) => {
      const techniques = await relatedList('tacticTechniques')(tactic, args, ctx);
      const shown = args.includeSubtechniques ? techniques : techniques.filter((t) => t.isSubtechnique !== true);
      return connectionFromList(
        shown.map((node) => ({ node })),
        args,
      );
    },
  },
  Technique: {
    ...common,
    platforms: (node) => strings(node.platforms),
    permissionsRequired: (node) => strings(node.permissionsRequired),
    isSubtechnique: (node) => node.isSubtechnique === true,
    tactics: relatedList('techniqueTactics'),
    parent: relatedOne('techniqueParent'),
    subtechniques: relatedList('techniqueSubtechniques'),
    mitigations: relatedList('techniqueMitigations'),
    groups: relatedConnection('techniqueGroups'),
    software: relatedConnection('techniqueSoftware'),
    campaigns: relatedConnection('techniqueCampaigns'),
    detectionStrategies: relatedList('techniqueDetectionStrategies'),
    dataComponents: relatedList('techniqueDataComponents'),
    revokedBy: relatedOne('techniqueRevokedBy'),
  },
  Mitigation: { ...common, techniques: relatedConnection('mitigationTechniques') },
  Group: {
    ...common,
    aliases: (node) => strings(node.aliases),
    techniques: relatedConnection('groupTechniques'),
    software: relatedConnection('groupSoftware'),
    campaigns: relatedConnection('groupCampaigns'),
    revokedBy: relatedOne('groupRevokedBy'),
  },
  Software: {
    ...common,
    kind: (node) => (node.kind === 'tool' ? 'TOOL' : 'MALWARE'),
    aliases: (node) => strings(node.aliases),
    platforms: (node) => strings(node.platforms),
    techniques: relatedConnection('softwareTechniques'),
    groups: relatedConnection('softwareGroups'),
    campaigns: relatedConnection('softwareCampaigns'),
    revokedBy: relatedOne('softwareRevokedBy'),
  },
  Campaign: {
    ...common,
    aliases: (node) => strings(node.aliases),
    techniques: relatedConnection('campaignTechniques'),
    software: relatedConnection('campaignSoftware'),
    groups: relatedList('campaignGroups'),
  },
  DataSource: {
    ...common,
    platforms: (node) => strings(node.platforms),
    collectionLayers: (node) => strings(node.collectionLayers),
    dataComponents: relatedList('dataSourceComponents'),
  },
  DataComponent: {
    ...common,
    logSources: (node) => strings(node.logSources),
    dataSource: relatedOne('dataComponentSource'),
    techniques: relatedConnection('dataComponentTechniques'),
    analytics: relatedList('dataComponentAnalytics'),
  },
  DetectionStrategy: {
    ...common,
    techniques: relatedList('detectionStrategyTechniques'),
    analytics: relatedList('detectionStrategyAnalytics'),
  },
  Analytic: {
    ...common,
    platforms: (node) => strings(node.platforms),
    logSources: (analytic, _args, ctx) => loadRelated('analyticLogSources', analytic, ctx),
  },
  LogSourceReference: {
    name: (item) => (item.edge?.name as string | null) ?? null,
    channel: (item) => (item.edge?.channel as string | null) ?? null,
    dataComponent: (item) => item.node,
  },
};
