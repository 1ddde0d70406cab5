// Query limits checked before execution: depth, aliases and an estimated cost that multiplies by `first`.
import {
  type ASTVisitor,
  type FragmentDefinitionNode,
  type GraphQLError,
  Kind,
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
  /** What `first` counts as when it is a variable (validation runs before variables are known): the worst case. */
  maxPageSize: number;
}

/** What a list field without `first` is estimated to return (a technique's tactics, mitigations, …). */
const LIST_ESTIMATE = 10;
/** Fields of a connection that its `first` already multiplied. */
const CONNECTION_PARTS = new Set(['nodes', 'edges', 'node', 'pageInfo']);

function tooComplex(message: string): GraphQLError {
  return new QueryTooComplexError(message);
}

/**
 * A validation rule that rejects, with QUERY_TOO_COMPLEX and a message giving the value and the limit, operations
 * nested deeper than `maxDepth`, using more than `maxAliases` aliases, or whose estimated cost is above `maxCost`.
 * The cost counts each field once per item its parents may return: a field under `first: 50` costs 50.
 */
export function queryLimitsRule(limits: QueryLimits) {
  return (context: ValidationContext): ASTVisitor => {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const definition of context.getDocument().definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    }
    let aliases = 0;
    // Walks a selection set: returns [depth, cost]; fragments are followed, a fragment cycle is left to graphql-js.
    const walk = (set: SelectionSetNode, multiplier: number, seen: Set<string>): [number, number] => {
      let depth = 0;
      let cost = 0;
      for (const selection of set.selections) {
        if (selection.kind === Kind.FIELD) {
          if (selection.alias) aliases++;
          const first = selection.arguments?.find((a) => a.name.value === 'first');
          let count = 1;
          if (first?.value.kind === Kind.INT) count = Number(first.value.value);
          else if (first?.value.kind === Kind.VARIABLE) count = limits.maxPageSize;
          else if (/Connection$/.test(selection.name.value)) count = limits.defaultPageSize;
          else if (
            selection.selectionSet &&
            !CONNECTION_PARTS.has(selection.name.value) &&
            /s$/.test(selection.name.value)
          ) {
            count = LIST_ESTIMATE;
          }
          cost += multiplier;
          if (selection.selectionSet) {
            const [d, c] = walk(selection.selectionSet, multiplier * Math.max(1, count), seen);
            depth = Math.max(depth, d + 1);
            cost += c;
          }
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          const [d, c] = walk(selection.selectionSet, multiplier, seen);
          depth = Math.max(depth, d);
          cost += c;
        } else {
          const fragment = fragments.get(selection.name.value);
          if (fragment && !seen.has(fragment.name.value)) {
            const [d, c] = walk(fragment.selectionSet, multiplier, new Set([...seen, fragment.name.value]));
            depth = Math.max(depth, d);
            cost += c;
          }
        }
      }
      return [depth, cost];
    };
    return {
      OperationDefinition(operation) {
        aliases = 0;
        const [depth, cost] = walk(operation.selectionSet, 1, new Set());
        if (depth > limits.maxDepth) {
          context.reportError(tooComplex(`query depth ${depth} exceeds the limit of ${limits.maxDepth}`));
        }
        if (aliases > limits.maxAliases) {
          context.reportError(tooComplex(`${aliases} aliases exceed the limit of ${limits.maxAliases}`));
        }
        if (cost > limits.maxCost) {
          context.reportError(
            tooComplex(`estimated cost ${cost} exceeds the limit of ${limits.maxCost} (lower "first" or nest less)`),
          );
        }
      },
    };
  };
}
