// Per-technique coverage facts, derived after every seed and stored on each Technique, so coverage reads traverse nothing.
import type { Graph } from './driver.js';

/** Between the items of a list inside one rule's or test's fact (a rule's products, a test's platforms). */
export const ITEM_SEPARATOR = '\u001e';

/**
 * The facts a technique's own `coverage` field counts when given a filter (the others serve coverage queries); with
 * none, TECHNIQUE_COVERAGE_COUNTS do.
 */
export const TECHNIQUE_COVERAGE_FACTS: readonly string[] = [
  'coverageSigmaCounts',
  'coverageAtomicTests',
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
 * - `coverageSigmaCounts`: how many of those rules have a default status (DEFAULT_SIGMA_STATUSES): in all, then at
 *   level rank 0 (informational) or above, 1 or above … 4 (critical): what a coverage filter with at most a minimum
 *   level counts, read as one small list instead of filtering the parallel lists (half of a coverage statement).
 * - `coverageAtomicPlatforms`: one item per Atomic test: its platforms in lower case joined by ITEM_SEPARATOR;
 *   `coverageAtomicTests`: how many.
 * - `coverageCountermeasures`, `coverageMitigations`: counts of current D3FEND techniques and mitigations.
 * - `coverageGroups`: ids of the current groups that use it.
 * - `coverageParent`: the parent technique's id (sub-techniques); `coverageTactics`: its tactics' ids.
 */
export const FACT_PROPERTIES: readonly string[] = [
  ...TECHNIQUE_COVERAGE_FACTS,
  'coverageGroups',
  'coverageParent',
  'coverageTactics',
];

/**
 * The facts a technique's `coverage` field counts with no filter, or with one that restricts rules by level at most:
 * counts alone, not a list item per rule and test.
 */
export const TECHNIQUE_COVERAGE_COUNTS: readonly string[] = [
  'coverageSigmaCounts',
  'coverageAtomicTests',
  'coverageCountermeasures',
  'coverageMitigations',
];

/** Sigma statuses that count as detections when a filter names none: not `deprecated`, not `unsupported`. */
export const DEFAULT_SIGMA_STATUSES = ['stable', 'test', 'experimental'];

/** The index in `coverageSigmaCounts` of the count for a minimum level rank (null: any level). */
export const sigmaCountSlot = (minLevelRank: number | null) => (minLevelRank === null ? 0 : minLevelRank + 1);

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
       WITH t, levels, statuses, sources, folders, products,
            [i IN range(0, size(levels) - 1) WHERE statuses[i] IN $defaultStatuses | levels[i]] AS counted,
            COLLECT { MATCH (a:AtomicTest)-[:TESTS]->(t) WITH a ORDER BY a.guid RETURN ${joined('a.platforms')} } AS tests
       SET t.coverageSigmaLevels = levels,
           t.coverageSigmaStatuses = statuses,
           t.coverageSigmaSources = sources,
           t.coverageSigmaFolders = folders,
           t.coverageSigmaProducts = products,
           t.coverageSigmaCounts = [size(counted)] + [rank IN range(0, 4) | size([l IN counted WHERE l >= rank])],
           t.coverageAtomicPlatforms = tests,
           t.coverageAtomicTests = size(tests),
           t.coverageCountermeasures = COUNT {
             MATCH (d:D3fendTechnique)-[:COUNTERS]->(t) WHERE NOT coalesce(d.deprecated, false)
           },
           t.coverageMitigations = COUNT {
             MATCH (m:Mitigation)-[:MITIGATES]->(t) WHERE NOT m.revoked AND NOT m.deprecated
           },
           t.coverageGroups = COLLECT {
             MATCH (g:Group)-[:USES]->(t) WHERE NOT g.revoked AND NOT g.deprecated RETURN DISTINCT g.id ORDER BY g.id
           },
           t.coverageParent = head(COLLECT { MATCH (t)-[:SUBTECHNIQUE_OF]->(p:Technique) RETURN p.id ORDER BY p.id }),
           t.coverageTactics = COLLECT { MATCH (t)-[:IN_TACTIC]->(ta:Tactic) RETURN DISTINCT ta.id ORDER BY ta.id }
       // Written by versions before profiles followed their members' edges.
       REMOVE t.coverageUsers
       RETURN count(t) AS n`,
      { item: ITEM_SEPARATOR, defaultStatuses: DEFAULT_SIGMA_STATUSES },
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
