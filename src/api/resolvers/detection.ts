// Resolvers of Sigma rules and Atomic tests, and of the Technique fields that list them.
import type { GraphQLResolveInfo } from 'graphql';
import { BadUserInputError } from '../../errors.js';
import type { GraphNode } from '../../graph/read.js';
import { type SigmaFilter, sigmaRuleMatches } from '../../graph/read-rules.js';
import { renderTechniqueReport } from '../../report/technique.js';
import { connectionFromList, connectionOf, pageWindow } from '../connection.js';
import type { Context } from '../context.js';
import type { QueryResolvers, Resolvers, SigmaLevel, SigmaRuleFilter, SigmaStatus } from '../generated/graphql.js';
import { checkId, loadRelated, relatedList, strings } from './shared.js';

const LEVELS: SigmaLevel[] = ['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];
const STATUSES: SigmaStatus[] = ['STABLE', 'TEST', 'EXPERIMENTAL', 'DEPRECATED', 'UNSUPPORTED'];

const lower = (value: string | null | undefined) => (value?.trim() ? value.trim().toLowerCase() : null);

/** The graph layer's filter for a SigmaRuleFilter argument. */
export function sigmaFilter(filter: SigmaRuleFilter | null | undefined): SigmaFilter {
  const technique = filter?.technique?.trim() ?? null;
  if (technique && !/^T\d{4}(\.\d{3})?$/i.test(technique)) {
    throw new BadUserInputError(
      `"technique" must be an ATT&CK technique id such as T1550.001, got ${JSON.stringify(technique)}`,
    );
  }
  const tactic = filter?.tactic?.trim() ?? null;
  return {
    source: lower(filter?.source),
    folder: lower(filter?.folder),
    statuses: filter?.status?.length ? filter.status.map((s) => s.toLowerCase()) : null,
    minLevelRank: filter?.minLevel ? LEVELS.indexOf(filter.minLevel) : null,
    product: lower(filter?.product),
    category: lower(filter?.category),
    service: lower(filter?.service),
    technique: technique ? technique.toUpperCase() : null,
    tactic: tactic ? (/^ta\d{4}$/i.test(tactic) ? tactic.toUpperCase() : tactic.toLowerCase()) : null,
    text: lower(filter?.text),
  };
}

async function techniqueSigmaRules(
  technique: GraphNode,
  args: { filter?: SigmaRuleFilter | null; first?: number | null; after?: string | null },
  ctx: Context,
  info?: GraphQLResolveInfo,
) {
  if (args.filter?.technique || args.filter?.tactic || args.filter?.text) {
    throw new BadUserInputError('"technique", "tactic" and "text" filter the top-level sigmaRules only');
  }
  pageWindow(args);
  const filter = sigmaFilter(args.filter);
  const rules = (await loadRelated('techniqueSigmaRules', technique, ctx, info)).map((item) => item.node);
  return connectionFromList(
    rules.filter((rule) => sigmaRuleMatches(rule, filter)).map((node) => ({ node })),
    args,
  );
}

export const detectionResolvers: Resolvers = {
  Technique: {
    sigmaRules: techniqueSigmaRules,
    atomicTests: async (technique, args, ctx, info) => {
      const platform = lower(args.platform);
      return (await loadRelated('techniqueAtomicTests', technique, ctx, info))
        .map((item) => item.node)
        .filter((test) => platform === null || strings(test.platforms).some((p) => p.toLowerCase() === platform));
    },
  },
  SigmaRule: {
    status: (rule) => STATUSES.find((s) => s.toLowerCase() === rule.status) ?? null,
    level: (rule) => LEVELS.find((l) => l.toLowerCase() === rule.level) ?? null,
    logsource: (rule) => ({
      product: (rule.product as string | null) ?? null,
      category: (rule.category as string | null) ?? null,
      service: (rule.service as string | null) ?? null,
    }),
    logsources: (rule) => {
      const [categories, services] = [strings(rule.categories), strings(rule.services)];
      return strings(rule.products).map((product, i) => ({
        product: product || null,
        category: categories[i] || null,
        service: services[i] || null,
      }));
    },
    tags: (rule) => strings(rule.tags),
    references: (rule) => strings(rule.references),
    falsepositives: (rule) => strings(rule.falsepositives),
    related: (rule) => {
      const types = strings(rule.relatedTypes);
      return strings(rule.relatedIds).map((id, i) => ({ id, type: types[i] ?? '' }));
    },
    techniques: (rule, _args, ctx) => relatedList('sigmaRuleTechniques')(rule, { includeRevoked: true }, ctx),
    tactics: (rule, _args, ctx) => relatedList('sigmaRuleTactics')(rule, { includeRevoked: true }, ctx),
  },
  AtomicTest: {
    platforms: (test) => strings(test.platforms),
    elevationRequired: (test) => test.elevationRequired === true,
    inputArguments: (test) =>
      Object.entries(JSON.parse(String(test.inputArguments ?? '{}')) as Record<string, Record<string, unknown>>).map(
        ([name, argument]) => ({
          name,
          description: argument?.description === undefined ? null : String(argument.description),
          type: argument?.type === undefined ? null : String(argument.type),
          default: argument?.default === undefined || argument.default === null ? null : String(argument.default),
        }),
      ),
    technique: async (test, _args, ctx) => (await loadRelated('atomicTestTechnique', test, ctx))[0]?.node ?? null,
  },
};

export const detectionQueryResolvers: QueryResolvers = {
  sigmaRule: (_root, args, ctx) =>
    ctx.loaders.node('SigmaRule').load(args.source ? `${args.source.trim()}:${args.id.trim()}` : args.id.trim()),
  sigmaRules: async (_root, args, ctx) => {
    const window = pageWindow(args);
    const { total, nodes } = await ctx.loaders.sigmaPage(sigmaFilter(args.filter), window.offset, window.limit);
    return connectionOf(
      nodes.map((node) => ({ node })),
      window,
      total,
    );
  },
  atomicTest: (_root, args, ctx) => ctx.loaders.node('AtomicTest').load(args.guid.trim()),
  techniqueReport: async (_root, args, ctx) => {
    const data = await ctx.loaders.report.load(checkId('Technique', args.id.trim()));
    return data ? renderTechniqueReport(data) : null;
  },
  atomicTests: async (_root, args, ctx) => {
    const window = pageWindow(args);
    const technique = args.filter?.technique?.trim().toUpperCase() || null;
    const filter = { technique, platform: lower(args.filter?.platform), executor: lower(args.filter?.executor) };
    const { total, nodes } = await ctx.loaders.atomicPage(filter, window.offset, window.limit);
    return connectionOf(
      nodes.map((node) => ({ node })),
      window,
      total,
    );
  },
};
