// One page of a filtered, ordered list of nodes with its total count, in one statement.
import type { Graph } from './driver.js';
import { fromPairs, type Keep, propertyPairs } from './properties.js';
import type { GraphNode } from './read.js';

/**
 * Runs `match` (which must bind the listed nodes as `n`, e.g. `MATCH (n:X) WHERE …`) and returns how many matched
 * and the nodes from `$skip` to `$skip + $limit` in `order` (e.g. `n.name, n.id`). The count and the page are two
 * subqueries of one statement: the page sorts only up to `$skip + $limit` nodes (a top-k, no sort of every match),
 * and follows an index in order when `match` has a predicate on the first ordering property that an index serves.
 * `params` must hold `skip` and `limit`; the nodes come with the properties `keep` names (all of them when null).
 * With `related` (Cypher that binds `batch` and `related` for a page node bound as `p`, see readPageWithRelated),
 * `relations` holds, in the same statement, `[position in the page, batch, related]` for every node and batch.
 */
export async function readPageOf(
  graph: Graph,
  match: string,
  order: string,
  params: Record<string, unknown> & { skip: number; limit: number },
  keep: Keep = null,
  related: string | null = null,
): Promise<{ total: number; nodes: GraphNode[]; relations: [number, number, unknown][] }> {
  const relations = related
    ? `CALL (page) {
         UNWIND range(0, size(page) - 1) AS i
         WITH i, page[i] AS p
         CALL (p) { ${related} }
         RETURN collect([i, batch, related]) AS relations
       }`
    : 'WITH total, page, [] AS relations';
  const [row] = await graph.read(
    `CALL () { ${match} RETURN count(n) AS total }
     CALL () {
       ${match}
       WITH n ORDER BY ${order} SKIP toInteger($skip) LIMIT toInteger($limit)
       RETURN collect(n) AS page
     }
     ${relations}
     RETURN total, [n IN page | ${propertyPairs('n')}] AS nodes, relations`,
    { ...params, keep },
  );
  const nodes = (row?.nodes as unknown[] | undefined) ?? [];
  return {
    total: Number(row?.total ?? 0),
    nodes: nodes.map((pairs) => fromPairs(pairs, keep) as GraphNode),
    relations: (row?.relations as [number, number, unknown][] | undefined) ?? [],
  };
}
