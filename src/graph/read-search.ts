// Search: the full-text index over ids, names, aliases and descriptions, with exact ids first.
import type { Graph } from './driver.js';
import { ATTACK_LABELS, SEARCH_INDEX, SEARCH_LABELS } from './model.js';
import { fromPairs, type Keep, propertyPairs } from './properties.js';
import type { GraphNode } from './read.js';

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
 * An exact ATT&CK id among the searchable ATT&CK labels: one index seek per label (a match on the shared
 * AttackObject label would scan every ATT&CK node, which has no index on id).
 */
const EXACT_ID_SEEKS = ATTACK_LABELS.filter((label) => (SEARCH_LABELS as readonly string[]).includes(label))
  .map((label) => `MATCH (n:${label}) WHERE n.id = toUpper($text) RETURN n AS node, 1000.0 AS score`)
  .join('\n       UNION\n       ');

/**
 * How many full-text hits the first attempt of a search asks Lucene for: enough to leave `first` after revoked and
 * deprecated objects are dropped (a few in the top hits), more when only some labels are wanted. Lucene's cost grows
 * with the hits it returns (150 instead of 50: a third more of Neo4j's CPU for "credential dumping").
 */
export function searchLimit(first: number, labels: readonly string[] | null): number {
  return labels === null ? first * 2 + 10 : first * 5 + 50;
}

/** Where hits come from: the full-text index, and for a one-word text the exact-id seeks (their best score each). */
const fromIndex = (options: string) =>
  `CALL db.index.fulltext.queryNodes($index, $query, ${options}) YIELD node, score`;
const fromIdsAndIndex = (options: string) => `CALL () {
       ${EXACT_ID_SEEKS}
       UNION
       MATCH (n:D3fendTechnique) WHERE n.id = toUpper($text)
       RETURN n AS node, 1000.0 AS score
       UNION
       MATCH (n:SigmaRule) WHERE n.id = $text
       RETURN n AS node, 1000.0 AS score
       UNION
       MATCH (n:Technique) WHERE n.id STARTS WITH toUpper($text) + '.'
       RETURN n AS node, 500.0 AS score
       UNION
       ${fromIndex(options)}
       RETURN node, score
     }
     WITH node, max(score) AS score`;

/**
 * The best `first` hits for `text` among nodes of `labels` (all searchable ones when null); revoked and deprecated
 * objects left out. A node whose id is the text (any case) comes first, then the sub-techniques of a technique id.
 *
 * Lucene is asked for searchLimit hits first; when fewer than `first` are left after the filters, the search runs
 * again over all hits, so that a rare type (`types: [GROUP]` where techniques and rules fill the top hits) still gets
 * every match. Ids hold no white space: a text with a space skips the id seeks.
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
  const source = /\s/.test(trimmed) ? fromIndex : fromIdsAndIndex;
  const run = (limit: number | null) =>
    graph.read(
      `${source(limit === null ? '{}' : '{limit: toInteger($limit)}')}
     WITH node, score, [l IN labels(node) WHERE l IN $searchable][0] AS label
     WHERE label IS NOT NULL AND ($labels IS NULL OR label IN $labels)
       AND NOT coalesce(node.revoked, false) AND NOT coalesce(node.deprecated, false)
     WITH label, score, node ORDER BY score DESC, node.id LIMIT toInteger($first)
     RETURN label, score, ${propertyPairs('node', keep)} AS node`,
      { text: trimmed, query, index: SEARCH_INDEX, searchable: [...SEARCH_LABELS], labels, first, limit },
    );
  let rows = await run(searchLimit(first, labels));
  if (rows.length < first) rows = await run(null);
  return rows.map((row) => ({
    label: row.label as string,
    score: Number(row.score),
    node: fromPairs(row.node, keep) as GraphNode,
  }));
}
