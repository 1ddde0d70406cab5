// Search: the full-text index over ids, names, titles, aliases, synonyms and descriptions, with exact ids first.
import type { Graph } from './driver.js';
import { ATTACK_LABELS, SEARCH_INDEX, SEARCH_LABELS } from './model.js';
import { fromPairs, type Keep, propertyPairs } from './properties.js';
import type { GraphNode } from './read.js';
import { keepShape, textOf } from './texts.js';

/** One search result: the node, its label and its relevance. */
export interface SearchRow {
  label: string;
  score: number;
  node: GraphNode;
}

const LUCENE_SPECIAL = /[+\-&|!(){}[\]^"~*?:\\/]/g;

/**
 * A Lucene query for what a user typed: the exact phrase (boosted), all the words, then each word as a prefix, so
 * "pass the hash", "APT29" and "T1550" find what is meant. Every special character of the input is escaped.
 */
export function luceneQuery(text: string): string {
  const words = text
    .trim()
    .split(/\s+/)
    .filter((w) => w !== '')
    // Lower case: the analyzer lower-cases anyway, and AND, OR, NOT would otherwise be operators.
    .map((w) => w.toLowerCase().replace(LUCENE_SPECIAL, '\\$&'));
  if (words.length === 0) return '';
  const phrase = words.join(' ');
  return [`"${phrase}"^4`, `(${words.join(' AND ')})^2`, ...words.map((w) => `${w}*`)].join(' OR ');
}

/**
 * An exact ATT&CK or D3FEND id (any case) among the searchable ATT&CK labels and D3FEND techniques: one index seek
 * per label (a match on the shared AttackObject label would scan every ATT&CK node, which has no index on id).
 */
const EXACT_ID_SEEKS = [
  ...ATTACK_LABELS.filter((label) => (SEARCH_LABELS as readonly string[]).includes(label)),
  'D3fendTechnique',
]
  .map((label) => `MATCH (n:${label}) WHERE n.id = toUpper($text) RETURN n AS node, 1000.0 AS score, 0 AS indexed`)
  .join('\n       UNION\n       ');

/** Lucene's hits for `$query`, as many as `options` asks for (`{}`: all of them). */
const luceneHits = (options: string) =>
  `CALL db.index.fulltext.queryNodes($index, $query, ${options}) YIELD node, score`;

/**
 * How many full-text hits the first attempt of a search asks Lucene for, `first` × times + plus: enough to leave
 * `first` after revoked and deprecated objects are dropped (a few among the best hits), more with a type filter.
 * Lucene's cost grows with the hits it returns (150 instead of 50: a third more of Neo4j's CPU for "credential
 * dumping"). The benchmark's peer asks for as many (bench/peer.ts).
 */
export const FIRST_ATTEMPT = {
  unfiltered: { times: 2, plus: 10 },
  filtered: { times: 5, plus: 50 },
} as const;

const searchLimit = (first: number, labels: readonly string[] | null) => {
  const { times, plus } = labels === null ? FIRST_ATTEMPT.unfiltered : FIRST_ATTEMPT.filtered;
  return first * times + plus;
};

/**
 * Where hits come from, as `hits` (pairs of node and score) and `found` (how many Lucene returned): the full-text
 * index alone, or with the exact-id seeks for a one-word text (each node once, with its best score).
 */
const fromIndex = (options: string) => `${luceneHits(options)}
     WITH collect([node, score]) AS hits, count(*) AS found`;
const fromIdsAndIndex = (options: string) => `CALL () {
       ${EXACT_ID_SEEKS}
       UNION
       MATCH (n:SigmaRule) WHERE n.id = $text
       RETURN n AS node, 1000.0 AS score, 0 AS indexed
       UNION
       MATCH (n:Technique) WHERE n.id STARTS WITH toUpper($text) + '.'
       RETURN n AS node, 500.0 AS score, 0 AS indexed
       UNION
       ${luceneHits(options)}
       RETURN node, score, 1 AS indexed
     }
     WITH node, max(score) AS score, max(indexed) AS indexed
     WITH collect([node, score]) AS hits, sum(indexed) AS found`;

/**
 * The best `first` hits for `text` among nodes of `labels` (all searchable ones when null); revoked and deprecated
 * objects left out. A node whose id is the text (any case) comes first, then the sub-techniques of a technique id.
 *
 * Lucene is asked for FIRST_ATTEMPT hits; when the filters leave fewer than `first` of them and Lucene had that
 * many (so it may have more), the search runs again over all hits: a rare type (`types: [GROUP]`, where techniques
 * and rules fill the best hits) still gets its best matches. Among hits of equal score past Lucene's first ones
 * (a prefix alone scores the same in every node), which come back is Lucene's choice. Ids hold no white space (an
 * organisation's Sigma rule whose id has some is still found, through the index, without the exact-id score): a
 * text with a space skips the id seeks.
 */
export async function readSearch(
  graph: Graph,
  text: string,
  labels: string[] | null,
  first: number,
  keep: Keep = null,
): Promise<SearchRow[]> {
  const query = luceneQuery(text);
  if (query === '') return [];
  const trimmed = text.trim();
  const withIds = !/\s/.test(trimmed);
  const run = async (limit: number | null) => {
    const options = limit === null ? '{}' : '{limit: toInteger($limit)}';
    const cypher = textOf(
      `search ${withIds} ${limit === null} ${keepShape(keep)}`,
      () => `${(withIds ? fromIdsAndIndex : fromIndex)(options)}
     CALL (hits) {
       UNWIND hits AS hit
       WITH hit[0] AS node, hit[1] AS score
       WITH node, score, [l IN labels(node) WHERE l IN $searchable][0] AS label
       WHERE label IS NOT NULL AND ($labels IS NULL OR label IN $labels)
         AND NOT coalesce(node.revoked, false) AND NOT coalesce(node.deprecated, false)
       WITH label, score, node ORDER BY score DESC, node.id LIMIT toInteger($first)
       RETURN collect([label, score, ${propertyPairs('node', keep)}]) AS rows
     }
     RETURN found, rows`,
    );
    const [result] = await graph.read(cypher, {
      text: trimmed,
      query,
      index: SEARCH_INDEX,
      searchable: [...SEARCH_LABELS],
      labels,
      first,
      limit,
    });
    return { found: Number(result?.found ?? 0), rows: (result?.rows ?? []) as [string, number, unknown][] };
  };
  const limit = searchLimit(first, labels);
  const attempt = await run(limit);
  const rows = attempt.rows.length < first && attempt.found === limit ? (await run(null)).rows : attempt.rows;
  return rows.map(([label, score, node]) => ({
    label,
    score: Number(score),
    node: fromPairs(node, keep) as GraphNode,
  }));
}
