// The log-source inventory in the graph (read and replace), and the Sigma rules' log sources under a filter.
import { DEFAULT_SIGMA_STATUSES } from './coverage-facts.js';
import type { Graph } from './driver.js';
import { markGraphChanged } from './upsert.js';

/** A Sigma log source as an inventory declares it or a rule names it; null fields are wildcards. */
export interface LogSourceEntry {
  product: string | null;
  category: string | null;
  service: string | null;
}

/** A rule as the log-source coverage reads it. */
export interface RuleLogSource {
  uid: string;
  logsource: LogSourceEntry;
  /** STIX ids of the techniques it detects. */
  techniques: string[];
}

/** The declared inventory: whether one was ever declared, its entries by key, and when it was last set. */
export interface InventoryRow {
  declared: boolean;
  entries: LogSourceEntry[];
  updatedAt: string | null;
}

/** The inventory in the graph (`LogSource` nodes, and a Dataset `logsources` once declared). */
export async function readInventory(graph: Graph): Promise<InventoryRow> {
  const [row] = await graph.read(
    `OPTIONAL MATCH (d:Dataset {name: 'logsources'})
     RETURN d IS NOT NULL AS declared, d.loadedAt AS updatedAt,
            COLLECT { MATCH (l:LogSource) RETURN [l.product, l.category, l.service] AS e ORDER BY l.key } AS entries`,
  );
  return {
    declared: row?.declared === true,
    updatedAt: (row?.updatedAt as string | null) ?? null,
    entries: ((row?.entries as (string | null)[][]) ?? []).map(([product, category, service]) => ({
      product: product ?? null,
      category: category ?? null,
      service: service ?? null,
    })),
  };
}

/**
 * Replaces the inventory with `entries` in one transaction (an empty list declares that nothing is collected), then
 * marks the graph changed so that no cached answer outlives it.
 */
export async function writeInventory(graph: Graph, entries: LogSourceEntry[], key: (e: LogSourceEntry) => string) {
  const now = new Date().toISOString();
  await graph.write(async (run) => {
    await run('MATCH (l:LogSource) DETACH DELETE l');
    await run(
      `UNWIND $entries AS e
       CREATE (:LogSource {key: e.key, product: e.product, category: e.category, service: e.service})`,
      { entries: entries.map((e) => ({ ...e, key: key(e) })) },
    );
    await run(
      `MERGE (d:Dataset {name: 'logsources'})
       SET d.source = 'logsources', d.location = 'declared', d.loadedAt = $now, d.counts = $counts`,
      { now, counts: JSON.stringify({ LogSource: entries.length }) },
    );
  });
  await markGraphChanged(graph);
}

/** Sigma filter fields of a coverage scope (lower-case names, a level rank), as read-coverage uses them. */
export interface RuleScope {
  sigmaSources: string[] | null;
  sigmaFolders: string[] | null;
  sigmaMinLevelRank: number | null;
  sigmaStatuses: string[] | null;
  sigmaProducts: string[] | null;
}

/** Every Sigma rule that counts under the filter, with its log source and the techniques it detects. */
export async function readRuleLogSources(graph: Graph, scope: RuleScope): Promise<RuleLogSource[]> {
  const rows = await graph.read(
    `MATCH (s:SigmaRule)
     WHERE toLower(coalesce(s.status, '')) IN coalesce($sigmaStatuses, $defaultStatuses)
       AND ($sigmaMinLevelRank IS NULL OR coalesce(s.levelRank, -1) >= $sigmaMinLevelRank)
       AND ($sigmaSources IS NULL OR toLower(s.source) IN $sigmaSources)
       AND ($sigmaFolders IS NULL OR toLower(s.folder) IN $sigmaFolders)
       AND ($sigmaProducts IS NULL OR any(p IN coalesce(s.products, []) WHERE toLower(p) IN $sigmaProducts))
     WITH s, COLLECT { MATCH (s)-[:DETECTS]->(t:Technique) RETURN t.stixId } AS techniques
     WHERE size(techniques) > 0
     RETURN s.uid AS uid, toLower(s.product) AS product, toLower(s.category) AS category,
            toLower(s.service) AS service, techniques
     ORDER BY uid`,
    { ...scope, defaultStatuses: DEFAULT_SIGMA_STATUSES },
  );
  return rows.map((row) => ({
    uid: String(row.uid),
    logsource: {
      product: (row.product as string | null) || null,
      category: (row.category as string | null) || null,
      service: (row.service as string | null) || null,
    },
    techniques: row.techniques as string[],
  }));
}
