// Query limits checked before execution: depth, aliases and an estimated cost that multiplies by `first`.
import type { ApolloServerPlugin } from '@apollo/server';
import {
  type ASTVisitor,
  type DocumentNode,
  type FragmentDefinitionNode,
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
  let aliases = 0;
  const firstOf = (value: unknown) => Math.min(Math.max(Number(value) || 0, 1), limits.maxPageSize);
  const walk = (set: SelectionSetNode, multiplier: number, seen: Set<string>): [number, number] => {
    let depth = 0;
    let cost = 0;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        if (selection.alias) aliases++;
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
        cost += multiplier;
        if (selection.selectionSet) {
          const [d, c] = walk(selection.selectionSet, multiplier * count, seen);
          depth = Math.max(depth, d + 1);
          cost += c;
        }
      } else {
        const fragment = selection.kind === Kind.INLINE_FRAGMENT ? selection : fragments.get(selection.name.value);
        const name = selection.kind === Kind.FRAGMENT_SPREAD ? selection.name.value : null;
        if (fragment && (name === null || !seen.has(name))) {
          const [d, c] = walk(fragment.selectionSet, multiplier, name ? new Set([...seen, name]) : seen);
          depth = Math.max(depth, d);
          cost += c;
        }
      }
    }
    return [depth, cost];
  };
  const [depth, cost] = walk(operation.selectionSet, 1, new Set());
  return { depth, aliases, cost };
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
