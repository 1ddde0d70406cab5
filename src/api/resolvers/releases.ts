// Resolvers of ATT&CK version drift: the releases kept in the graph and the changes between two of them.
import { BadUserInputError } from '../../errors.js';
import { DEFAULT_SIGMA_STATUSES } from '../../graph/coverage-facts.js';
import type { GraphNode } from '../../graph/read.js';
import type { ReleaseRow } from '../../graph/read-releases.js';
import { CHANGE_KINDS, changesLayer, compareReleases } from '../../report/changes.js';
import type { Context } from '../context.js';
import type { AttackDomain, QueryResolvers, Resolvers } from '../generated/graphql.js';
import { domainEnums, domainValue } from './shared.js';

/** A kept release of `domain` by version (`18.1`, or `v18.1`); a clear error naming the kept ones otherwise. */
async function releaseOf(ctx: Context, domain: string, version: string, argument: 'from' | 'to'): Promise<ReleaseRow> {
  const wanted = version.trim().replace(/^v/i, '');
  const kept = (await ctx.loaders.releases()).filter((r) => r.domain === domain);
  const found = kept.find((r) => r.version === wanted);
  if (found) return found;
  throw new BadUserInputError(
    `"${argument}" must be an ATT&CK release kept in the graph for ${domain} ` +
      `(${kept.map((r) => r.version).join(', ') || 'none: seed one with --attack-release'}); ` +
      `got ${JSON.stringify(version.slice(0, 40))}`,
    argument,
  );
}

/** Nodes by key through a per-request loader, in order, unknown ones left out. */
async function nodes(ctx: Context, label: 'SigmaRule' | 'AtomicTest', keys: string[]): Promise<GraphNode[]> {
  const found = await ctx.loaders.node(label).loadMany(keys);
  return found.filter((n): n is GraphNode => n !== null && !(n instanceof Error));
}

export const releaseQueryResolvers: QueryResolvers = {
  attackReleases: async (_root, args, ctx) => {
    const domain = domainValue(args.domain);
    return (await ctx.loaders.releases()).filter((r) => domain === null || r.domain === domain);
  },
  attackChanges: async (_root, args, ctx) => {
    const domain = domainValue(args.domain ?? 'ENTERPRISE');
    const [from, to] = await Promise.all([
      releaseOf(ctx, domain, args.from, 'from'),
      releaseOf(ctx, domain, args.to, 'to'),
    ]);
    const [before, after, evidence] = await Promise.all([
      ctx.loaders.releaseCatalogue(from.name),
      ctx.loaders.releaseCatalogue(to.name),
      ctx.loaders.evidence(),
    ]);
    return { domain, from, to, ...compareReleases(before, after, evidence, DEFAULT_SIGMA_STATUSES) };
  },
};

export const releaseResolvers: Resolvers = {
  AttackRelease: {
    domain: (row) => domainEnums([row.domain])[0] as AttackDomain,
  },
  ReleaseTechnique: {
    technique: (row, _args, ctx) => ctx.loaders.node('Technique').load(row.stixId),
  },
  AttackChanges: {
    changes: (model, args) =>
      args.kinds?.length ? model.changes.filter((c) => c.kinds.some((k) => args.kinds?.includes(k))) : model.changes,
    summary: (model) =>
      CHANGE_KINDS.map((kind) => ({ kind, count: model.changes.filter((c) => c.kinds.includes(kind)).length })),
    staleReferences: (model, args) => (args.newlyStaleOnly ? model.stale.filter((s) => s.newlyStale) : model.stale),
    navigatorLayer: (model) =>
      JSON.stringify(
        changesLayer(model.changes, { domain: model.domain, from: model.from.version, to: model.to.version }),
        null,
        2,
      ),
  },
  StaleReference: {
    sigmaRules: (stale, _args, ctx) => nodes(ctx, 'SigmaRule', stale.sigmaRules),
    atomicTests: (stale, _args, ctx) => nodes(ctx, 'AtomicTest', stale.atomicTests),
  },
};
