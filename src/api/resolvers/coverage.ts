// Resolvers of coverage: the matrix under a filter, its gaps, and one technique's coverage.
import type { GraphQLResolveInfo } from 'graphql';
import { config } from '../../config.js';
import { BadUserInputError } from '../../errors.js';
import { atomicFacets, DEFAULT_SIGMA_STATUSES, sigmaCountSlot, sigmaFacets } from '../../graph/coverage-facts.js';
import { type CoverageScope, filtersEachRule, withClaim } from '../../graph/read-coverage.js';
import { type CoveredTechnique, countedTechniques, coverageOf } from '../../report/coverage.js';
import { buildLayer } from '../../report/layer.js';
import { connectionFromList, pageWindow } from '../connection.js';
import type { Context } from '../context.js';
import type { CoverageFilter, QueryResolvers, Resolvers } from '../generated/graphql.js';
import { selects } from '../projection.js';
import { countermeasuresOf } from './d3fend.js';
import { domainValue, onlyFields } from './shared.js';

/** Filter values trimmed, blank ones dropped; null (no filter) when none is left. */
const cleanList = (values: readonly string[] | null | undefined, normalise: (value: string) => string) => {
  const kept = (values ?? []).map((v) => normalise(v.trim())).filter((v) => v !== '');
  return kept.length > 0 ? kept : null;
};
const lowerList = (values: readonly string[] | null | undefined) => cleanList(values, (v) => v.toLowerCase());
const upperList = (values: readonly string[] | null | undefined) => cleanList(values, (v) => v.toUpperCase());
const LEVELS = ['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];

/** The graph layer's scope for a CoverageFilter argument. */
export function coverageScope(filter: CoverageFilter | null | undefined): CoverageScope {
  return {
    domain: domainValue(filter?.domain ?? 'ENTERPRISE'),
    platforms: lowerList(filter?.platforms),
    tactics: filter?.tactics?.length ? filter.tactics.map((t) => t.trim()) : null,
    groups: upperList(filter?.groups),
    software: upperList(filter?.software),
    campaigns: upperList(filter?.campaigns),
    sigmaSources: lowerList(filter?.sigmaSources),
    sigmaFolders: lowerList(filter?.sigmaFolders),
    sigmaMinLevelRank: filter?.sigmaMinLevel ? LEVELS.indexOf(filter.sigmaMinLevel) : null,
    sigmaStatuses: lowerList(filter?.sigmaStatuses),
    sigmaProducts: lowerList(filter?.sigmaProducts),
    atomicPlatforms: lowerList(filter?.atomicPlatforms),
    claims: cleanList(filter?.claims, (v) => v),
  };
}

/** The techniques the named claims claim (null when none is named); an unknown name is the user's error. */
async function claimedBy(names: string[] | null, ctx: Context): Promise<Set<string> | null> {
  if (names === null) return null;
  const known = (await ctx.loaders.claims()).map((c) => c.name);
  const unknown = names.filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    throw new BadUserInputError(
      `"claims" must name imported coverage claims (${known.join(', ') || 'none imported'}); ` +
        `unknown: ${unknown.map((u) => JSON.stringify(u.slice(0, 60))).join(', ')}`,
      'claims',
    );
  }
  return ctx.loaders.claimedTechniques(names);
}

/** What a caller of `counted` uses besides the counts; everything unless it says otherwise. */
interface Needs {
  /** Names, platforms and users of techniques (see readCoverageRows); false: counts only. */
  perTechnique?: boolean;
  /** The domain's tactics (a tactics filter reads them anyway, to check the names it gives). */
  tactics?: boolean;
}

/** The techniques a coverage filter counts, and the domain's tactics; shared by coverage and layers. */
export async function counted(
  filter: CoverageFilter | null | undefined,
  ctx: Context,
  { perTechnique = true, tactics: withTactics = true }: Needs = {},
) {
  const scope = coverageScope(filter);
  const [counts, tactics, claimed] = await Promise.all([
    ctx.loaders.coverageRows(scope, perTechnique),
    withTactics || scope.tactics ? ctx.loaders.tactics(scope.domain, false) : [],
    claimedBy(scope.claims ?? null, ctx),
  ]);
  const rows = claimed ? counts.map((row) => withClaim(row, claimed.has(row.stixId))) : counts;
  let tacticIds: Set<string> | null = null;
  if (scope.tactics) {
    const idOf = (name: string) =>
      tactics.find((t) => String(t.id).toLowerCase() === name.toLowerCase() || t.shortname === name.toLowerCase())?.id;
    const unknown = scope.tactics.filter((name) => idOf(name) === undefined);
    if (unknown.length > 0) {
      throw new BadUserInputError(
        `"tactics" must be tactic ids or short names of the domain (${tactics.map((t) => t.shortname).join(', ')}); ` +
          `unknown: ${unknown.map((u) => JSON.stringify(u.slice(0, 60))).join(', ')}`,
        'tactics',
      );
    }
    tacticIds = new Set(scope.tactics.map((name) => String(idOf(name))));
  }
  return { scope, rows, tactics, tacticIds, rollUp: filter?.rollUpSubtechniques === true };
}

/** A counted technique's node; its id and name alone come from the coverage row, with no read. */
const techniqueOf = async (covered: CoveredTechnique, ctx: Context, info: GraphQLResolveInfo) =>
  (onlyFields(info, ['id', 'name', '__typename'])
    ? { stixId: covered.stixId, id: covered.id, name: covered.name }
    : await ctx.loaders.node('Technique').load(covered.stixId)) as never;

export const coverageQueryResolvers: QueryResolvers = {
  coverage: async (_root, args, ctx) => {
    // Counts alone (totals, tactics) need no names, platforms or users of techniques; totals and gaps no tactics.
    const { rows, tactics, tacticIds, rollUp } = await counted(args.filter, ctx, {
      perTechnique: selects(ctx.projection, 'Coverage', 'gaps') || selects(ctx.projection, 'Coverage', 'techniques'),
      tactics: selects(ctx.projection, 'Coverage', 'tactics'),
    });
    return coverageOf(rows, tactics, rollUp, tacticIds);
  },
  navigatorLayer: async (_root, args, ctx) => {
    const { scope, rows, tactics, tacticIds, rollUp } = await counted(args.filter, ctx);
    const techniques = countedTechniques(rows, rollUp).filter(
      (t) => tacticIds === null || t.tactics.some((id) => tacticIds.has(id)),
    );
    const dataset = (await ctx.loaders.datasets()).find((d) => d.name === `attack:${scope.domain}`);
    const version = typeof dataset?.version === 'string' ? (dataset.version.split('.')[0] ?? null) : null;
    const layer = buildLayer(techniques, new Map(tactics.map((t) => [String(t.id), String(t.shortname)])), {
      domain: scope.domain,
      attackVersion: version,
      score: args.score ?? 'COMBINED',
      // Navigator matches platform names exactly: use the data's own spelling of what the user asked for.
      platforms: scope.platforms
        ? [...new Set(rows.flatMap((r) => r.platforms))].filter((p) => scope.platforms?.includes(p.toLowerCase()))
        : null,
      filterDescription: JSON.stringify(args.filter ?? {}),
      apiUrl: config.api.publicUrl,
      rollUp,
    });
    return JSON.stringify(layer, null, 2);
  },
};

export const coverageResolvers: Resolvers = {
  Coverage: {
    tactics: (model) => model.tactics as never,
    gaps: (model, args) => {
      pageWindow(args);
      return connectionFromList(
        model.gaps.map((node) => ({ node })),
        args,
      );
    },
  },
  CoveredTechnique: {
    technique: (covered, _args, ctx, info) => techniqueOf(covered, ctx, info),
    tacticIds: (covered) => covered.tactics,
  },
  CoverageGap: {
    technique: (gap, _args, ctx, info) => techniqueOf(gap, ctx, info),
    countermeasures: (gap, _args, ctx: Context) => countermeasuresOf({ stixId: gap.stixId }, {}, ctx),
  },
  Technique: {
    // From the facts the seed stored on the technique (coverage-facts.ts): no traversal per technique.
    coverage: (technique, args) => {
      const scope = coverageScope(args.filter);
      const anyOf = (values: readonly string[], wanted: string[] | null) =>
        wanted === null || values.some((v) => wanted.includes(v));
      // A filter on more than the level, or on platforms: the facts of each rule or test; otherwise the counts the
      // seed stored, which projection.ts reads for a field with no filter (coverage rows count the same way).
      const statuses = scope.sigmaStatuses ?? DEFAULT_SIGMA_STATUSES;
      const sigmaRules = filtersEachRule(scope)
        ? sigmaFacets(technique).filter(
            (rule) =>
              statuses.includes(rule.status) &&
              (scope.sigmaMinLevelRank === null || rule.levelRank >= scope.sigmaMinLevelRank) &&
              anyOf([rule.source], scope.sigmaSources) &&
              anyOf([rule.folder], scope.sigmaFolders) &&
              anyOf(rule.products, scope.sigmaProducts),
          ).length
        : storedCount(technique.coverageSigmaCounts, sigmaCountSlot(scope.sigmaMinLevelRank));
      const atomicTests =
        scope.atomicPlatforms === null
          ? Number(technique.coverageAtomicTests ?? 0)
          : atomicFacets(technique).filter((platforms) => anyOf(platforms, scope.atomicPlatforms)).length;
      const countermeasures = Number(technique.coverageCountermeasures ?? 0);
      return {
        sigmaRules,
        countermeasures,
        atomicTests,
        mitigations: Number(technique.coverageMitigations ?? 0),
        detected: sigmaRules > 0,
        countered: countermeasures > 0,
        tested: atomicTests > 0,
      };
    },
  },
};

/** The count at `slot` of a stored count list (coverageSigmaCounts); 0 where there is none. */
function storedCount(counts: unknown, slot: number): number {
  return Array.isArray(counts) ? Number(counts[slot] ?? 0) : 0;
}
