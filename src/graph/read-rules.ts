// Read queries of detections and tests: filtered pages of Sigma rules and Atomic tests.
import type { Graph } from './driver.js';
import { readPageOf } from './page.js';
import type { Keep } from './properties.js';
import type { GraphNode } from './read.js';

/** A Sigma rule filter with values normalised: text in lower case, technique and tactic ids in upper case. */
export interface SigmaFilter {
  source: string | null;
  folder: string | null;
  statuses: string[] | null;
  minLevelRank: number | null;
  product: string | null;
  category: string | null;
  service: string | null;
  technique: string | null;
  tactic: string | null;
  text: string | null;
}

/** Whether a rule passes the filter's fields about the rule itself (not technique, tactic, text): for lists in memory. */
export function sigmaRuleMatches(rule: GraphNode, filter: SigmaFilter): boolean {
  const same = (value: unknown, wanted: string | null) =>
    wanted === null || String(value ?? '').toLowerCase() === wanted;
  return (
    same(rule.source, filter.source) &&
    same(rule.folder, filter.folder) &&
    (filter.statuses === null || filter.statuses.includes(String(rule.status))) &&
    (filter.minLevelRank === null || Number(rule.levelRank) >= filter.minLevelRank) &&
    same(rule.product, filter.product) &&
    same(rule.category, filter.category) &&
    same(rule.service, filter.service)
  );
}

/** One page of Sigma rules matching `filter`, by title, with the total count. */
export async function readSigmaPage(graph: Graph, filter: SigmaFilter, skip: number, limit: number, keep: Keep = null) {
  const eq = (field: string, param: string) => `($${param} IS NULL OR toLower(coalesce(n.${field}, '')) = $${param})`;
  const anyOf = (field: string, param: string) =>
    `($${param} IS NULL OR any(v IN coalesce(n.${field}, []) WHERE toLower(v) = $${param}))`;
  return readPageOf(
    graph,
    `MATCH (n:SigmaRule)
     WHERE ${eq('source', 'source')} AND ${eq('folder', 'folder')} AND ${anyOf('products', 'product')}
       AND ${anyOf('categories', 'category')} AND ${anyOf('services', 'service')}
       AND ($statuses IS NULL OR n.status IN $statuses)
       AND ($minLevelRank IS NULL OR n.levelRank >= $minLevelRank)
       AND ($technique IS NULL OR EXISTS { MATCH (n)-[:DETECTS]->(:Technique {id: $technique}) })
       AND ($tactic IS NULL OR EXISTS {
             MATCH (n)-[:FOR_TACTIC]->(t:Tactic) WHERE t.id = $tactic OR t.shortname = toLower($tactic) })
       AND ($text IS NULL OR toLower(n.id) CONTAINS $text OR toLower(n.title) CONTAINS $text
            OR toLower(coalesce(n.description, '')) CONTAINS $text)`,
    'n.title, n.uid',
    { ...filter, skip, limit },
    keep,
  );
}

/** One page of Atomic tests matching the filter, by technique and position, with the total count. */
export async function readAtomicPage(
  graph: Graph,
  filter: { technique: string | null; platform: string | null; executor: string | null },
  skip: number,
  limit: number,
  keep: Keep = null,
) {
  return readPageOf(
    graph,
    `MATCH (n:AtomicTest)
     WHERE ($technique IS NULL OR n.techniqueId = $technique)
       AND ($platform IS NULL OR any(p IN n.platforms WHERE toLower(p) = $platform))
       AND ($executor IS NULL OR toLower(n.executor) = $executor)`,
    'n.techniqueId, n.number, n.guid',
    { ...filter, skip, limit },
    keep,
  );
}
