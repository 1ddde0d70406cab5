// Resolvers of log-source reality: the inventory, which rules can fire, coverage split by it, and its mutation.
import { BadUserInputError } from '../../errors.js';
import { readInventory, writeInventory } from '../../graph/logsources.js';
import {
  collects,
  logSourceCoverage,
  logSourceKey,
  MAX_LOG_SOURCES,
  normaliseLogSource,
} from '../../report/logsources.js';
import type { MutationResolvers, QueryResolvers, Resolvers } from '../generated/graphql.js';
import { counted } from './coverage.js';
import { requireWritable } from './shared.js';

const lower = (value: unknown) =>
  typeof value === 'string' && value.trim() !== '' ? value.trim().toLowerCase() : null;

export const logSourceQueryResolvers: QueryResolvers = {
  logSources: (_root, _args, ctx) => ctx.loaders.inventory(),
  logSourceCoverage: async (_root, args, ctx) => {
    const { scope, rows, tactics, tacticIds } = await counted(args.filter, ctx);
    const [rules, inventory] = await Promise.all([ctx.loaders.ruleLogSources(scope), ctx.loaders.inventory()]);
    const shown = tactics.filter((t) => tacticIds === null || tacticIds.has(String(t.id)));
    const techniques = rows
      .filter((r) => r.inScope && (tacticIds === null || r.tactics.some((id) => tacticIds.has(id))))
      .map((r) => ({ stixId: r.stixId, id: r.id, tactics: r.tactics }));
    const model = logSourceCoverage(
      techniques,
      shown.map((t) => String(t.id)),
      rules,
      inventory.entries,
      inventory.declared,
    );
    return { ...model, inventoryRow: inventory, tacticNodes: shown };
  },
};

export const logSourceMutationResolvers: MutationResolvers = {
  setLogSources: async (_root, args, ctx) => {
    requireWritable(ctx, 'setLogSources');
    if (args.entries.length > MAX_LOG_SOURCES) {
      throw new BadUserInputError(
        `"entries": at most ${MAX_LOG_SOURCES} log sources; got ${args.entries.length}`,
        'entries',
      );
    }
    const entries = args.entries.map((entry, i) => {
      try {
        return normaliseLogSource(entry, `entries[${i}]`);
      } catch (error) {
        throw new BadUserInputError((error as Error).message, 'entries');
      }
    });
    const unique = [...new Map(entries.map((e) => [logSourceKey(e), e])).values()];
    await writeInventory(ctx.graph, unique, logSourceKey);
    return readInventory(ctx.graph);
  },
};

export const logSourceResolvers: Resolvers = {
  LogSourceCoverage: {
    inventory: (model) => model.inventoryRow,
    tactics: (model) =>
      model.tactics.map((t) => ({
        tactic: model.tacticNodes.find((node) => String(node.id) === t.tacticId) as never,
        counts: t.counts,
      })),
    missingLogSources: (model, args) => model.missing.slice(0, Math.max(0, args.first ?? 20)),
  },
  MissingLogSource: {
    techniquesUnlocked: (missing) => missing.unlocked.length,
    techniques: (missing, _args, ctx) =>
      Promise.all(missing.unlocked.map((t) => ctx.loaders.node('Technique').load(t.stixId))).then((nodes) =>
        nodes.filter((n) => n !== null),
      ) as never,
  },
  SigmaRule: {
    canFire: async (rule, _args, ctx) => {
      const inventory = await ctx.loaders.inventory();
      if (!inventory.declared) return null;
      return collects(inventory.entries, {
        product: lower(rule.product),
        category: lower(rule.category),
        service: lower(rule.service),
      });
    },
  },
};
