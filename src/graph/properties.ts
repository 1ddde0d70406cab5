// How reads return a node's properties: all of them but the ones a request left out, as one Cypher fragment.
import type { GraphNode } from './read.js';

/**
 * Cypher for the properties of node variable `x` without the keys listed in parameter `omit` (by default `$omit`),
 * as `[key, value]` pairs (Cypher has no way to drop keys from a map without APOC). Turn the pairs back into an
 * object with `fromPairs`.
 */
export const propertyPairs = (x: string, omit = 'omit') => `[k IN keys(${x}) WHERE NOT k IN $${omit} | [k, ${x}[k]]]`;

/** A node's properties from the pairs `propertyPairs` returned; null stays null. */
export function fromPairs(pairs: unknown): GraphNode | null {
  if (!Array.isArray(pairs)) return null;
  const node: Record<string, unknown> = {};
  for (const [key, value] of pairs as [string, unknown][]) node[key] = value;
  return node as GraphNode;
}
