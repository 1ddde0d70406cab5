// Reads of the graph's state: its datasets, what readiness checks, and the version every seed changes.
import type { Graph } from './driver.js';

/** A Dataset node's properties; `counts` is a JSON object of counts. */
export type DatasetRow = Record<string, unknown> & { name: string; counts?: string };

/** Every Dataset node, by name. */
export async function readDatasets(graph: Graph): Promise<DatasetRow[]> {
  const rows = await graph.read('MATCH (d:Dataset) RETURN properties(d) AS d ORDER BY d.name');
  return rows.map((row) => row.d as DatasetRow);
}

/** Whether any ATT&CK data is loaded (for readiness). */
export async function hasAttackData(graph: Graph): Promise<boolean> {
  return (await readGraphState(graph)).attackLoaded;
}

/**
 * What readiness needs to know: whether ATT&CK is loaded, and whether some technique lacks the coverage facts every
 * seed stores (a graph written by a version before them answers coverage with zeros until it is seeded again).
 */
export async function readGraphState(graph: Graph): Promise<{ attackLoaded: boolean; factsMissing: boolean }> {
  const [row] = await graph.read(
    `OPTIONAL MATCH (d:Dataset {source: 'attack'})
     WITH count(d) > 0 AS attackLoaded
     RETURN attackLoaded, EXISTS { MATCH (t:Technique) WHERE t.coverageSigmaCounts IS NULL } AS factsMissing`,
  );
  return { attackLoaded: row?.attackLoaded === true, factsMissing: row?.factsMissing === true };
}

/** The graph's version: a random id that every seed changes (null before the first seed that records one). */
export async function readGraphVersion(graph: Graph): Promise<string | null> {
  const [row] = await graph.read('MATCH (v:GraphVersion) RETURN v.version AS version LIMIT 1');
  return (row?.version as string | undefined) ?? null;
}
