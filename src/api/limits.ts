// Query limits checked before execution: depth, aliases and an estimated cost that multiplies by `first`.
import type { ApolloServerPlugin } from '@apollo/server';
import {
  type ASTVisitor,
  type DocumentNode,
  type FragmentDefinitionNode,
  GraphQLError,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
} from 'graphql';
import { QueryTooComplexError } from '../errors.js';

/** The limits; configured in config.api. */
export interface QueryLimits {
  maxDepth: number;
  maxAliases: number;
  maxCost: number;
  /** What `first` counts as when a connection field does not give it. */
  defaultPageSize: number;
  /** The cap on `first`: larger values are refused by the argument check, with its own message. */
  maxPageSize: number;
}

/** What a list field without `first` is estimated to return (a technique's tactics, mitigations, …). */
const LIST_ESTIMATE = 10;
/** Fields of a connection that its `first` already multiplied. */
const CONNECTION_PARTS = new Set(['nodes', 'edges', 'node', 'pageInfo']);

/**
 * Depth, aliases and estimated cost of an operation. The cost counts each field once per item its parents may
 * return: a field under `first: 50` costs 50; `first` given as a variable counts its value (or the page cap).
 * Each fragment is measured once however often it is spread (the cost of a selection is linear in what its
 * parents multiply it by), so a fragment that spreads another twice, thirty levels deep, is measured in 30 steps
 * rather than 2^30.
 */
export function measure(
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
  limits: QueryLimits,
): { depth: number; aliases: number; cost: number } {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  type Measure = { depth: number; aliases: number; cost: number };
  const measured = new Map<string, Measure>();
  const firstOf = (value: unknown) => Math.min(Math.max(Number(value) || 0, 1), limits.maxPageSize);
  /** A fragment's measure; a fragment already being measured (a cycle, refused by validation) counts nothing. */
  const fragmentMeasure = (name: string): Measure => {
    const known = measured.get(name);
    if (known) return known;
    const fragment = fragments.get(name);
    if (!fragment) return { depth: 0, aliases: 0, cost: 0 };
    measured.set(name, { depth: 0, aliases: 0, cost: 0 });
    const result = walk(fragment.selectionSet);
    measured.set(name, result);
    return result;
  };
  /** The measure of a selection set under a multiplier of 1. */
  const walk = (set: SelectionSetNode): Measure => {
    const total: Measure = { depth: 0, aliases: 0, cost: 0 };
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        if (selection.alias) total.aliases++;
        const first = selection.arguments?.find((a) => a.name.value === 'first')?.value;
        let count = 1;
        if (first?.kind === Kind.INT) count = firstOf(first.value);
        else if (first?.kind === Kind.VARIABLE) count = firstOf(variables[first.name.value] ?? limits.maxPageSize);
        else if (
          selection.selectionSet &&
          !CONNECTION_PARTS.has(selection.name.value) &&
          /s$/.test(selection.name.value)
        ) {
          count = selection.arguments?.length === 0 || !first ? LIST_ESTIMATE : limits.defaultPageSize;
        }
        total.cost += 1;
        if (selection.selectionSet) {
          const inner = walk(selection.selectionSet);
          total.depth = Math.max(total.depth, inner.depth + 1);
          total.cost += count * inner.cost;
          total.aliases += inner.aliases;
        }
      } else {
        const inner =
          selection.kind === Kind.INLINE_FRAGMENT
            ? walk(selection.selectionSet)
            : fragmentMeasure(selection.name.value);
        total.depth = Math.max(total.depth, inner.depth);
        total.cost += inner.cost;
        total.aliases += inner.aliases;
      }
    }
    return total;
  };
  return walk(operation.selectionSet);
}

/**
 * A validation rule: an operation of a type the schema has no root for (a mutation or subscription here) is refused
 * as invalid, instead of failing at execution as an internal error (graphql-js 16 does not check it; 17 does).
 */
export function knownOperationTypesRule(context: ValidationContext): ASTVisitor {
  return {
    OperationDefinition(operation) {
      const schema = context.getSchema();
      const root = {
        query: schema.getQueryType(),
        mutation: schema.getMutationType(),
        subscription: schema.getSubscriptionType(),
      };
      if (!root[operation.operation]) {
        context.reportError(
          new GraphQLError(`This API has no ${operation.operation}s: it answers queries only`, { nodes: [operation] }),
        );
      }
    },
  };
}

/** A validation rule: operations nested deeper than the limit or with too many aliases are refused. */
export function queryLimitsRule(limits: QueryLimits) {
  return (context: ValidationContext): ASTVisitor => ({
    OperationDefinition(operation) {
      const { depth, aliases } = measure(context.getDocument(), operation, {}, limits);
      if (depth > limits.maxDepth) {
        context.reportError(new QueryTooComplexError(`query depth ${depth} exceeds the limit of ${limits.maxDepth}`));
      }
      if (aliases > limits.maxAliases) {
        context.reportError(new QueryTooComplexError(`${aliases} aliases exceed the limit of ${limits.maxAliases}`));
      }
    },
  });
}

/** A plugin that refuses, once variables are known and before anything runs, operations above the cost limit. */
export function queryCostPlugin<T extends object>(limits: QueryLimits): ApolloServerPlugin<T> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, operation, request }) {
          if (!operation) return;
          const { cost } = measure(document, operation, request.variables ?? {}, limits);
          if (cost > limits.maxCost) {
            throw new QueryTooComplexError(
              `estimated cost ${cost} exceeds the limit of ${limits.maxCost} (lower "first" or nest less)`,
            );
          }
        },
      };
    },
  };
}
