// One page of a filtered, ordered list of nodes with its total count, in one statement.
import type { Graph } from './driver.js';
import { fromPairs, type Keep, propertyPairs } from './properties.js';
import type { GraphNode } from './read.js';

/**
 * Cypher binding `total`: the total the last seed stored under `$totalKey` (list-counts.ts), or, without one, the
 * count of `match`, which then runs (an aggregation over no rows still gives one row: 0).
 */
const storedOrCounted = (match: string) => `CALL () {
       OPTIONAL MATCH (v:GraphVersion)
       WITH [i IN range(0, size(coalesce(v.listKeys, [])) - 1) WHERE v.listKeys[i] = $totalKey | v.listTotals[i]][0]
            AS stored
       CALL (stored) { WITH stored WHERE stored IS NULL ${match} RETURN count(n) AS counted }
       RETURN coalesce(stored, counted) AS total
     }`;

/**
 * Runs `match` (which must bind the listed nodes as `n`, e.g. `MATCH (n:X) WHERE …`) and returns how many matched
 * and the nodes from `$skip` to `$skip + $limit` in `order` (e.g. `n.name, n.id`). The count and the page are two
 * subqueries of one statement: the page sorts only up to `$skip + $limit` nodes (a top-k, no sort of every match),
 * and follows an index in order when `match` has a predicate on the first ordering property that an index serves.
 * `params` must hold `skip` and `limit`; the nodes come with the properties `keep` names (all of them when null).
 * With `related` (Cypher that binds `batch` and `related` for a page node bound as `p`, see readPage in read.ts),
 * `relations` holds, in the same statement, `[position in the page, batch, related]` for every node and batch.
 * With `totalKey`, the total stored under that key by the last seed (list-counts.ts) is taken when there is one.
 */
export async function readPageOf(
  graph: Graph,
  match: string,
  order: string,
  params: Record<string, unknown> & { skip: number; limit: number },
  keep: Keep = null,
  related: string | null = null,
  totalKey: string | null = null,
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
    `${totalKey === null ? `CALL () { ${match} RETURN count(n) AS total }` : storedOrCounted(match)}
     CALL () {
       ${match}
       WITH n ORDER BY ${order} SKIP toInteger($skip) LIMIT toInteger($limit)
       RETURN collect(n) AS page
     }
     ${relations}
     RETURN total, [n IN page | ${propertyPairs('n', keep)}] AS nodes, relations`,
    { ...params, totalKey },
  );
  const nodes = (row?.nodes as unknown[] | undefined) ?? [];
  return {
    total: Number(row?.total ?? 0),
    nodes: nodes.map((pairs) => fromPairs(pairs, keep) as GraphNode),
    relations: (row?.relations as [number, number, unknown][] | undefined) ?? [],
  };
}
