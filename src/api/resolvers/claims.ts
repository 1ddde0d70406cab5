// Resolvers of coverage claims: imported Navigator layers, what they say per technique, and where they disagree.
import { BadUserInputError, SourceError } from '../../errors.js';
import { removeClaim, writeClaim } from '../../graph/claims.js';
import { reconcile } from '../../report/claims.js';
import { countedTechniques } from '../../report/coverage.js';
import { parseNavigatorLayer } from '../../seed/layer.js';
import type { Context } from '../context.js';
import type { AttackDomain, MutationResolvers, QueryResolvers, Resolvers } from '../generated/graphql.js';
import { counted } from './coverage.js';
import { domainEnums, domainValue, loadRelated, requireWritable, strings } from './shared.js';

/** A claim name as users give it: trimmed, 1 to 100 characters. */
function claimName(name: string): string {
  const trimmed = name.trim();
  if (trimmed === '' || trimmed.length > 100) {
    throw new BadUserInputError(
      `"name" must be 1 to 100 characters; got ${JSON.stringify(name.slice(0, 120))}`,
      'name',
    );
  }
  return trimmed;
}

/** An imported claim by name, or the user's error naming the imported ones. */
async function claimOf(ctx: Context, name: string) {
  const claims = await ctx.loaders.claims();
  const found = claims.find((c) => c.name === name.trim());
  if (!found) {
    throw new BadUserInputError(
      `"claim" must name an imported coverage claim (${claims.map((c) => c.name).join(', ') || 'none imported'}); ` +
        `got ${JSON.stringify(name.slice(0, 100))}`,
      'claim',
    );
  }
  return found;
}

export const claimQueryResolvers: QueryResolvers = {
  coverageClaims: (_root, _args, ctx) => ctx.loaders.claims(),
  claimReconciliation: async (_root, args, ctx) => {
    const claim = await claimOf(ctx, args.claim);
    // Without a filter, the claim's own domain; a filter of another domain would compare nothing with nothing.
    const domain = domainEnums([claim.domain])[0] as AttackDomain;
    const filter = args.filter ?? { domain };
    if (domainValue(filter.domain ?? 'ENTERPRISE') !== claim.domain) {
      throw new BadUserInputError(
        `claim "${claim.name}" is for ${claim.domain}: give the filter that domain (domain: ${domain})`,
        'filter',
      );
    }
    const { rows, tacticIds, rollUp } = await counted({ ...filter, claims: [claim.name] }, ctx);
    const techniques = countedTechniques(rows, rollUp).filter(
      (t) => tacticIds === null || t.tactics.some((id) => tacticIds.has(id)),
    );
    return reconcile(claim, techniques);
  },
};

export const claimMutationResolvers: MutationResolvers = {
  importLayer: async (_root, args, ctx) => {
    requireWritable(ctx, 'importLayer');
    const name = claimName(args.name);
    let layer: ReturnType<typeof parseNavigatorLayer>;
    try {
      layer = parseNavigatorLayer(args.layer, 'layer');
    } catch (error) {
      if (error instanceof SourceError) throw new BadUserInputError(error.message, 'layer');
      throw error;
    }
    return writeClaim(ctx.graph, name, layer, 'api');
  },
  removeClaim: async (_root, args, ctx) => {
    requireWritable(ctx, 'removeClaim');
    return removeClaim(ctx.graph, claimName(args.name));
  },
};

export const claimResolvers: Resolvers = {
  CoverageClaim: {
    domain: (claim) => domainEnums([claim.domain])[0] as AttackDomain,
  },
  TechniqueClaim: {
    // The claims of this request's graph: an edge's claim is among them.
    claim: async (item, _args, ctx) => (await ctx.loaders.claims()).find((c) => c.name === item.node.name) as never,
    claims: (item) => item.edge?.claims === true,
    score: (item) => (typeof item.edge?.score === 'number' ? item.edge.score : null),
    comment: (item) => (typeof item.edge?.comment === 'string' ? item.edge.comment : null),
    tactics: (item) => strings(item.edge?.tactics),
  },
  Technique: {
    claims: (technique, _args, ctx) => loadRelated('techniqueClaims', technique, ctx),
  },
};
