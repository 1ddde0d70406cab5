// Per-technique coverage facts, derived after every seed and stored on each Technique, so coverage reads traverse nothing.
import type { Graph } from './driver.js';

/** Between the items of a list inside one rule's or test's fact (a rule's products, a test's platforms). */
export const ITEM_SEPARATOR = '\u001e';

/** The facts a technique's own `coverage` field counts (the others serve coverage queries). */
export const TECHNIQUE_COVERAGE_FACTS: readonly string[] = [
  'coverageSigmaLevels',
  'coverageSigmaStatuses',
  'coverageSigmaSources',
  'coverageSigmaFolders',
  'coverageSigmaProducts',
  'coverageAtomicPlatforms',
  'coverageCountermeasures',
  'coverageMitigations',
];

/**
 * The properties the facts step writes on every Technique. None is shown as such by the API; `coverage` fields
 * and coverage queries read them.
 * - `coverageSigmaLevels`, `…Statuses`, `…Sources`, `…Folders`, `…Products`: one item per Sigma rule that detects
 *   the technique, in the same order (parallel lists, because Neo4j properties cannot hold lists of maps and
 *   filtering parallel lists in Cypher costs a third of splitting strings): level rank, status, source and folder in
 *   lower case, and products in lower case joined by ITEM_SEPARATOR.
 * - `coverageAtomicPlatforms`: one item per Atomic test: its platforms in lower case joined by ITEM_SEPARATOR.
 * - `coverageCountermeasures`, `coverageMitigations`: counts of current D3FEND techniques and mitigations.
 * - `coverageGroups`: ids of the current groups that use it; `coverageUsers`: the current groups, software and
 *   campaigns that use it, as `Group:G0016`, `Software:S0002`, `Campaign:C0001` (profiles filter on these).
 * - `coverageParent`: the parent technique's id (sub-techniques); `coverageTactics`: its tactics' ids.
 */
export const FACT_PROPERTIES: readonly string[] = [
  ...TECHNIQUE_COVERAGE_FACTS,
  'coverageGroups',
  'coverageUsers',
  'coverageParent',
  'coverageTactics',
];

/**
 * Recomputes the facts of every Technique from the graph as it is now (after the link step), in one transaction;
 * returns the number of techniques updated. Idempotent: running it twice gives the same graph.
 */
export async function storeCoverageFacts(graph: Graph): Promise<number> {
  const joined = (list: string) => `reduce(out = '', item IN coalesce(${list}, []) | out + $item + toLower(item))`;
  const [row] = await graph.write((run) =>
    run(
      `MATCH (t:Technique)
       CALL (t) {
         // An aggregation without grouping keys: one row of empty lists for a technique no rule detects.
         MATCH (s:SigmaRule)-[:DETECTS]->(t)
         WITH s ORDER BY s.uid
         RETURN collect(coalesce(s.levelRank, -1)) AS levels, collect(coalesce(s.status, '')) AS statuses,
                collect(toLower(coalesce(s.source, ''))) AS sources, collect(toLower(coalesce(s.folder, ''))) AS folders,
                collect(${joined('s.products')}) AS products
       }
       SET t.coverageSigmaLevels = levels,
           t.coverageSigmaStatuses = statuses,
           t.coverageSigmaSources = sources,
           t.coverageSigmaFolders = folders,
           t.coverageSigmaProducts = products,
           t.coverageAtomicPlatforms = COLLECT {
             MATCH (a:AtomicTest)-[:TESTS]->(t) WITH a ORDER BY a.guid RETURN ${joined('a.platforms')}
           },
           t.coverageCountermeasures = COUNT {
             MATCH (d:D3fendTechnique)-[:COUNTERS]->(t) WHERE NOT coalesce(d.deprecated, false)
           },
           t.coverageMitigations = COUNT {
             MATCH (m:Mitigation)-[:MITIGATES]->(t) WHERE NOT m.revoked AND NOT m.deprecated
           },
           t.coverageGroups = COLLECT {
             MATCH (g:Group)-[:USES]->(t) WHERE NOT g.revoked AND NOT g.deprecated RETURN DISTINCT g.id ORDER BY g.id
           },
           t.coverageUsers = COLLECT {
             MATCH (x)-[:USES]->(t) WHERE (x:Group OR x:Software OR x:Campaign) AND NOT x.revoked AND NOT x.deprecated
             WITH DISTINCT [l IN labels(x) WHERE l IN ['Group', 'Software', 'Campaign']][0] + ':' + x.id AS user
             RETURN user ORDER BY user
           },
           t.coverageParent = head(COLLECT { MATCH (t)-[:SUBTECHNIQUE_OF]->(p:Technique) RETURN p.id ORDER BY p.id }),
           t.coverageTactics = COLLECT { MATCH (t)-[:IN_TACTIC]->(ta:Tactic) RETURN DISTINCT ta.id ORDER BY ta.id }
       RETURN count(t) AS n`,
      { item: ITEM_SEPARATOR },
    ),
  );
  return Number(row?.n ?? 0);
}

/** One Sigma rule that detects a technique, as the technique's facts tell it. */
export interface SigmaFacet {
  levelRank: number;
  status: string;
  source: string;
  folder: string;
  products: string[];
}

/** The Sigma rules of a technique node (read with its fact properties). */
export function sigmaFacets(technique: Record<string, unknown>): SigmaFacet[] {
  const list = (key: string) => (Array.isArray(technique[key]) ? (technique[key] as unknown[]) : []);
  const [statuses, sources, folders, products] = ['Statuses', 'Sources', 'Folders', 'Products'].map((part) =>
    list(`coverageSigma${part}`),
  ) as [unknown[], unknown[], unknown[], unknown[]];
  return list('coverageSigmaLevels').map((level, i) => ({
    levelRank: Number(level),
    status: String(statuses[i] ?? ''),
    source: String(sources[i] ?? ''),
    folder: String(folders[i] ?? ''),
    products: items(String(products[i] ?? '')),
  }));
}

/** The platforms of each Atomic test of a technique node (read with its fact properties). */
export function atomicFacets(technique: Record<string, unknown>): string[][] {
  const tests = technique.coverageAtomicPlatforms;
  return Array.isArray(tests) ? tests.map((test) => items(String(test))) : [];
}

const items = (joined: string) => joined.split(ITEM_SEPARATOR).filter((item) => item !== '');
