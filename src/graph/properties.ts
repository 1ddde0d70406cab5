// How reads return a node's properties: the ones a request needs (or all of them), as one Cypher fragment.
import type { GraphNode } from './read.js';

/** The properties of a node a read returns: their names, or null for all of them. */
export type Keep = readonly string[] | null;

/**
 * Cypher for the properties of node or relationship variable `x` named in parameter `keep` (by default `$keep`):
 * their values in the order of `keep` (null where missing), or, when `keep` is null, all of them as `[key, value]`
 * pairs. Values alone spare sending every key name with every node. Turn either back into an object with
 * `fromPairs` and the same `keep`.
 */
export const propertyPairs = (x: string, keep = 'keep') =>
  `CASE WHEN $${keep} IS NULL THEN [k IN keys(${x}) | [k, ${x}[k]]] ELSE [k IN $${keep} | ${x}[k]] END`;

/**
 * An object from what `propertyPairs` returned with the same `keep`: values zipped with `keep` (nulls left out), or
 * the pairs; null stays null.
 */
export function fromPairs(value: unknown, keep: Keep): GraphNode | null {
  if (!Array.isArray(value)) return null;
  const node: Record<string, unknown> = {};
  if (keep === null) {
    for (const [key, item] of value as [string, unknown][]) node[key] = item;
  } else {
    for (let i = 0; i < keep.length; i++) {
      const item = value[i];
      if (item !== null && item !== undefined) node[keep[i] as string] = item;
    }
  }
  return node as GraphNode;
}
