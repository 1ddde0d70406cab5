// Resolvers of the Query root: lookups by id and filtered, paged lists.
import type { GraphQLResolveInfo } from 'graphql';
import type { NodeLabel } from '../../graph/model.js';
import { connectionOf, pageWindow } from '../connection.js';
import type { Context } from '../context.js';
import type { ObjectFilter, QueryResolvers, TechniqueFilter } from '../generated/graphql.js';
import { prefetchedUnder } from '../prefetch.js';
import { tacticName } from './d3fend.js';
import { checkId, domainValue } from './shared.js';

/** A lookup by id, reading the relation fields selected under it in the same statement (prefetch.ts). */
const byId =
  (label: NodeLabel & Parameters<typeof checkId>[0]) =>
  (_root: unknown, args: { id: string }, ctx: Context, info: GraphQLResolveInfo) =>
    ctx.loaders.nodeWithRelated(label, checkId(label, args.id), prefetchedUnder(info, label));

const TEXT_LIMIT = 200;

function text(value: string | null | undefined): string | null {
  if (value === null || value === undefined || value.trim() === '') return null;
  return value.trim().slice(0, TEXT_LIMIT);
}

/** The list filter of the graph layer for an ObjectFilter argument. */
function objectFilter(filter: ObjectFilter | null | undefined, kind: string | null = null) {
  return {
    domain: domainValue(filter?.domain),
    text: text(filter?.text),
    includeRevoked: filter?.includeRevoked === true,
    includeDeprecated: filter?.includeDeprecated === true,
    kind,
  };
}

/** A tactic id in upper case (`TA0006`), or a short name in lower case (`credential-access`). */
function tacticKey(value: string | null): string | null {
  if (value === null) return null;
  return /^ta\d{4}$/i.test(value) ? value.toUpperCase() : value.toLowerCase();
}

function techniqueFilter(filter: TechniqueFilter | null | undefined) {
  return {
    ...objectFilter(filter),
    tactic: tacticKey(text(filter?.tactic)),
    platform: text(filter?.platform),
    includeSubtechniques: filter?.includeSubtechniques !== false,
  };
}

/**
 * A top-level connection over nodes of `label` matching `filter`, reading the relation fields selected on its nodes
 * in the same statement (prefetch.ts).
 */
async function page(
  label: NodeLabel,
  filter: ReturnType<typeof objectFilter>,
  args: { first?: number | null; after?: string | null },
  ctx: Context,
  info: GraphQLResolveInfo,
) {
  const window = pageWindow(args);
  const fields = prefetchedUnder(info, label, true);
  const { total, nodes } = await ctx.loaders.page(label, filter, window.offset, window.limit, fields);
  return connectionOf(
    nodes.map((node) => ({ node })),
    window,
    total,
  );
}

export const queryResolvers: QueryResolvers = {
  datasets: (_root, _args, ctx) => ctx.loaders.datasets(),
  technique: byId('Technique'),
  techniques: (_root, args, ctx, info) => page('Technique', techniqueFilter(args.filter), args, ctx, info),
  tactics: (_root, args, ctx) =>
    ctx.loaders.tactics(domainValue(args.domain ?? 'ENTERPRISE'), args.includeDeprecated === true),
  tactic: (_root, args, ctx) =>
    ctx.loaders.tactic(
      /^[a-z-]+$/i.test(args.id) ? args.id.toLowerCase() : checkId('Tactic', args.id),
      'enterprise-attack',
    ),
  mitigation: byId('Mitigation'),
  mitigations: (_root, args, ctx, info) => page('Mitigation', objectFilter(args.filter), args, ctx, info),
  group: byId('Group'),
  groups: (_root, args, ctx, info) => page('Group', objectFilter(args.filter), args, ctx, info),
  software: byId('Software'),
  softwareList: (_root, args, ctx, info) =>
    page('Software', objectFilter(args.filter, args.kind ? args.kind.toLowerCase() : null), args, ctx, info),
  campaign: byId('Campaign'),
  campaigns: (_root, args, ctx, info) => page('Campaign', objectFilter(args.filter), args, ctx, info),
  dataSource: byId('DataSource'),
  dataComponent: byId('DataComponent'),
  dataComponents: (_root, args, ctx, info) => page('DataComponent', objectFilter(args.filter), args, ctx, info),
  detectionStrategy: byId('DetectionStrategy'),
  detectionStrategies: (_root, args, ctx, info) =>
    page('DetectionStrategy', objectFilter(args.filter), args, ctx, info),
  d3fendTechnique: (_root, args, ctx) => ctx.loaders.node('D3fendTechnique').load(args.id.trim()),
  d3fendTechniques: async (_root, args, ctx) => {
    const window = pageWindow(args);
    const filter = {
      tactic: await tacticName(text(args.filter?.tactic), ctx),
      text: text(args.filter?.text),
      includeDeprecated: args.filter?.includeDeprecated === true,
    };
    const { total, nodes } = await ctx.loaders.d3fendTechniquePage(filter, window.offset, window.limit);
    return connectionOf(
      nodes.map((node) => ({ node })),
      window,
      total,
    );
  },
  d3fendTactics: (_root, _args, ctx) => ctx.loaders.d3fendTactics(),
  artifact: (_root, args, ctx) => ctx.loaders.node('Artifact').load(args.name.trim()),
  artifacts: async (_root, args, ctx) => {
    const window = pageWindow(args);
    const { total, nodes } = await ctx.loaders.artifactPage(
      { text: text(args.filter?.text) },
      window.offset,
      window.limit,
    );
    return connectionOf(
      nodes.map((node) => ({ node })),
      window,
      total,
    );
  },
};
