// The fixed table of relationship traversals the API offers, each one batched query per level of a request.
import type { NodeLabel } from './model.js';

/** Cypher condition: none of the named intermediate nodes of a path is revoked or deprecated. */
const CURRENT = (...names: string[]) =>
  names.map((n) => `NOT coalesce(${n}.revoked, false) AND NOT coalesce(${n}.deprecated, false)`).join(' AND ');

/**
 * Every traversal the API offers: from a parent label, a pattern that binds `p` (the parent), `c` (the related
 * node) and `r` (the relationship whose properties are returned), and the order of the results.
 */
export const RELATIONS = {
  techniqueTactics: { from: 'Technique', pattern: '(p)-[r:IN_TACTIC]->(c:Tactic)', order: 'c.order, c.id' },
  techniqueParent: { from: 'Technique', pattern: '(p)-[r:SUBTECHNIQUE_OF]->(c:Technique)' },
  techniqueSubtechniques: { from: 'Technique', pattern: '(c:Technique)-[r:SUBTECHNIQUE_OF]->(p)' },
  techniqueMitigations: { from: 'Technique', pattern: '(c:Mitigation)-[r:MITIGATES]->(p)' },
  techniqueGroups: { from: 'Technique', pattern: '(c:Group)-[r:USES]->(p)' },
  techniqueSoftware: { from: 'Technique', pattern: '(c:Software)-[r:USES]->(p)' },
  techniqueCampaigns: { from: 'Technique', pattern: '(c:Campaign)-[r:USES]->(p)' },
  techniqueDetectionStrategies: { from: 'Technique', pattern: '(c:DetectionStrategy)-[r:DETECTS]->(p)' },
  techniqueDataComponents: {
    from: 'Technique',
    pattern: '(c:DataComponent)-[r:DETECTS]->(p)',
    // ATT&CK v18: technique <- detection strategy -> analytic -> log source in a data component.
    alternative: `(p)<-[:DETECTS]-(ds:DetectionStrategy)-[:HAS_ANALYTIC]->(an:Analytic)-[r:LOG_SOURCE]->(c:DataComponent)
      WHERE ${CURRENT('ds', 'an')}`,
  },
  techniqueRevokedBy: { from: 'Technique', pattern: '(p)-[r:REVOKED_BY]->(c:Technique)' },
  techniqueClaims: { from: 'Technique', pattern: '(c:CoverageClaim)-[r:CLAIMS]->(p)', order: 'c.name' },
  tacticTechniques: { from: 'Tactic', pattern: '(c:Technique)-[r:IN_TACTIC]->(p)' },
  mitigationTechniques: { from: 'Mitigation', pattern: '(p)-[r:MITIGATES]->(c:Technique)' },
  groupTechniques: { from: 'Group', pattern: '(p)-[r:USES]->(c:Technique)' },
  groupSoftware: { from: 'Group', pattern: '(p)-[r:USES]->(c:Software)' },
  groupCampaigns: { from: 'Group', pattern: '(c:Campaign)-[r:ATTRIBUTED_TO]->(p)' },
  groupRevokedBy: { from: 'Group', pattern: '(p)-[r:REVOKED_BY]->(c:Group)' },
  softwareTechniques: { from: 'Software', pattern: '(p)-[r:USES]->(c:Technique)' },
  softwareGroups: { from: 'Software', pattern: '(c:Group)-[r:USES]->(p)' },
  softwareCampaigns: { from: 'Software', pattern: '(c:Campaign)-[r:USES]->(p)' },
  softwareRevokedBy: { from: 'Software', pattern: '(p)-[r:REVOKED_BY]->(c:Software)' },
  campaignTechniques: { from: 'Campaign', pattern: '(p)-[r:USES]->(c:Technique)' },
  campaignSoftware: { from: 'Campaign', pattern: '(p)-[r:USES]->(c:Software)' },
  campaignGroups: { from: 'Campaign', pattern: '(p)-[r:ATTRIBUTED_TO]->(c:Group)' },
  dataSourceComponents: { from: 'DataSource', pattern: '(c:DataComponent)-[r:PART_OF]->(p)' },
  dataComponentSource: { from: 'DataComponent', pattern: '(p)-[r:PART_OF]->(c:DataSource)' },
  dataComponentTechniques: {
    from: 'DataComponent',
    pattern: '(p)-[r:DETECTS]->(c:Technique)',
    alternative: `(p)<-[:LOG_SOURCE]-(an:Analytic)<-[:HAS_ANALYTIC]-(ds:DetectionStrategy)-[r:DETECTS]->(c:Technique)
      WHERE ${CURRENT('ds', 'an')}`,
  },
  dataComponentAnalytics: { from: 'DataComponent', pattern: '(c:Analytic)-[r:LOG_SOURCE]->(p)' },
  detectionStrategyTechniques: { from: 'DetectionStrategy', pattern: '(p)-[r:DETECTS]->(c:Technique)' },
  detectionStrategyAnalytics: { from: 'DetectionStrategy', pattern: '(p)-[r:HAS_ANALYTIC]->(c:Analytic)' },
  analyticLogSources: {
    from: 'Analytic',
    pattern: '(p)-[r:LOG_SOURCE]->(c:DataComponent)',
    order: 'r.name, r.channel, c.id',
  },
  // In D3FEND tactic order (Model first; none last), then by name: the API needs no tactic list to order them.
  techniqueCountermeasures: {
    from: 'Technique',
    pattern: '(c:D3fendTechnique)-[r:COUNTERS]->(p)',
    order: 'coalesce(head([(c)-[:IN_TACTIC]->(t:D3fendTactic) | t.order]), 1000), c.name',
  },
  techniqueArtifacts: { from: 'Technique', pattern: '(p)-[r:ACTS_ON]->(c:Artifact)', order: 'r.relation, c.name' },
  d3fendTacticTechniques: { from: 'D3fendTactic', pattern: '(c:D3fendTechnique)-[r:IN_TACTIC]->(p)', order: 'c.name' },
  d3fendTechniqueParent: { from: 'D3fendTechnique', pattern: '(p)-[r:SUBCLASS_OF]->(c:D3fendTechnique)' },
  d3fendTechniqueChildren: {
    from: 'D3fendTechnique',
    pattern: '(c:D3fendTechnique)-[r:SUBCLASS_OF]->(p)',
    order: 'c.name',
  },
  d3fendTechniqueArtifacts: {
    from: 'D3fendTechnique',
    pattern: '(p)-[r:ACTS_ON]->(c:Artifact)',
    order: 'r.relation, c.name',
  },
  d3fendTechniqueCounters: { from: 'D3fendTechnique', pattern: '(p)-[r:COUNTERS]->(c:Technique)' },
  artifactParents: { from: 'Artifact', pattern: '(p)-[r:SUBCLASS_OF]->(c:Artifact)', order: 'c.name' },
  artifactChildren: { from: 'Artifact', pattern: '(c:Artifact)-[r:SUBCLASS_OF]->(p)', order: 'c.name' },
  artifactAttackTechniques: { from: 'Artifact', pattern: '(c:Technique)-[r:ACTS_ON]->(p)', order: 'c.id, r.relation' },
  artifactD3fendTechniques: {
    from: 'Artifact',
    pattern: '(c:D3fendTechnique)-[r:ACTS_ON]->(p)',
    order: 'c.name, r.relation',
  },
  techniqueSigmaRules: { from: 'Technique', pattern: '(c:SigmaRule)-[r:DETECTS]->(p)', order: 'c.title, c.uid' },
  techniqueAtomicTests: { from: 'Technique', pattern: '(c:AtomicTest)-[r:TESTS]->(p)', order: 'c.number, c.guid' },
  sigmaRuleTechniques: { from: 'SigmaRule', pattern: '(p)-[r:DETECTS]->(c:Technique)' },
  sigmaRuleTactics: { from: 'SigmaRule', pattern: '(p)-[r:FOR_TACTIC]->(c:Tactic)', order: 'c.order' },
  atomicTestTechnique: { from: 'AtomicTest', pattern: '(p)-[r:TESTS]->(c:Technique)' },
} as const satisfies Record<string, { from: NodeLabel; pattern: string; order?: string; alternative?: string }>;

export type RelationName = keyof typeof RELATIONS;

/** The label of the nodes a relation leads to: the label its pattern gives `c`. */
export function targetLabel(name: RelationName): NodeLabel {
  const label = /\(c:(\w+)\)/.exec(RELATIONS[name].pattern)?.[1];
  if (!label) throw new Error(`relation ${name} gives no label to c`);
  return label as NodeLabel;
}
