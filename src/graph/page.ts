// One page of a filtered, ordered list of nodes with its total count, in one query.
import type { Graph } from './driver.js';
import { fromPairs, type Keep, propertyPairs } from './properties.js';
import type { GraphNode } from './read.js';

/**
 * Runs `match` (which must bind the ordered nodes as `n`, e.g. `MATCH (n:X) WHERE … WITH n ORDER BY n.name`) and
 * returns the nodes from `$skip` to `$skip + $limit` and how many matched. `params` must hold `skip` and `limit`;
 * the nodes come with the properties `keep` names (all of them when null).
 */
export async function readPageOf(
  graph: Graph,
  match: string,
  params: Record<string, unknown> & { skip: number; limit: number },
  keep: Keep = null,
): Promise<{ total: number; nodes: GraphNode[] }> {
  const [row] = await graph.read(
    `${match}
     WITH collect(n) AS matches
     RETURN size(matches) AS total, [x IN matches[$skip..($skip + $limit)] | ${propertyPairs('x')}] AS nodes`,
    { ...params, keep },
  );
  const nodes = (row?.nodes as unknown[] | undefined) ?? [];
  return { total: Number(row?.total ?? 0), nodes: nodes.map((pairs) => fromPairs(pairs, keep) as GraphNode) };
}
