// How reads return a node's properties: the ones a request needs (or all of them), as one Cypher fragment.
import type { GraphNode } from './read.js';

/** The properties of a node a read returns: their names, or null for all of them. */
export type Keep = readonly string[] | null;

/**
 * Cypher for the properties of node variable `x` named in parameter `keep` (by default `$keep`; all of them when it
 * is null), as `[key, value]` pairs (Cypher has no way to pick keys of a map by a list without APOC). Turn the
 * pairs back into an object with `fromPairs`.
 */
export const propertyPairs = (x: string, keep = 'keep') =>
  `CASE WHEN $${keep} IS NULL THEN [k IN keys(${x}) | [k, ${x}[k]]]
        ELSE [k IN $${keep} WHERE ${x}[k] IS NOT NULL | [k, ${x}[k]]] END`;

/** Cypher for the properties of relationship variable `r` but those named in parameter `omit`, as pairs. */
export const edgePairs = (r: string, omit: string) => `[k IN keys(${r}) WHERE NOT k IN $${omit} | [k, ${r}[k]]]`;

/** A node's properties from the pairs `propertyPairs` returned; null stays null. */
export function fromPairs(pairs: unknown): GraphNode | null {
  if (!Array.isArray(pairs)) return null;
  const node: Record<string, unknown> = {};
  for (const [key, value] of pairs as [string, unknown][]) node[key] = value;
  return node as GraphNode;
}
