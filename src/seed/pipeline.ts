// The seed run: read and parse every named source first, then write each one, then retire what vanished.
import type { Graph } from '../graph/driver.js';
import { ATTACK_LABELS } from '../graph/model.js';
import { ensureSchema, removeVanished, writeDataset, writeRecords } from '../graph/upsert.js';
import { parseAttackBundle } from './attack/parse.js';
import { fetchSource } from './fetch.js';
import { type Progress, silentProgress } from './progress.js';
import type { ParseWarning, SourceRecords } from './records.js';

/** What to load in one run; each list names files or URLs. */
export interface SeedRequest {
  attack: string[];
}

export interface SourceSummary {
  scope: string;
  location: string;
  version: string | null;
  parsed: number;
  nodes: number;
  edges: number;
  removedNodes: number;
  removedEdges: number;
  warnings: ParseWarning[];
  seconds: number;
}

/**
 * Seeds the graph. Every source is read and parsed before anything is written, so bad input (a SourceError)
 * leaves the graph as it was. Each source replaces only its own scope.
 */
export async function seed(
  graph: Graph,
  request: SeedRequest,
  options: { batchSize: number; progress?: Progress },
): Promise<SourceSummary[]> {
  const progress = options.progress ?? silentProgress;
  const parsed: { records: SourceRecords }[] = [];
  for (const location of request.attack) {
    progress.update(location, 'reading');
    const bytes = await fetchSource(location);
    progress.update(location, 'parsing');
    parsed.push({ records: parseAttackBundle(bytes, location) });
  }

  await ensureSchema(graph);
  const summaries: SourceSummary[] = [];
  for (const { records } of parsed) {
    const started = Date.now();
    const objects = records.nodes.length + records.edges.length;
    const written = await writeRecords(graph, records, options.batchSize, (w) =>
      progress.update(
        records.scope,
        `${objects} parsed, ${w.nodes} nodes and ${w.edges} edges written, ${elapsed(started)} s`,
      ),
    );
    const removed = await removeVanished(graph, records, ATTACK_LABELS);
    await writeDataset(graph, records, countsOf(records), new Date().toISOString());
    const summary: SourceSummary = {
      scope: records.scope,
      location: records.dataset.location,
      version: records.dataset.version,
      parsed: objects,
      ...written,
      ...removed,
      warnings: records.warnings,
      seconds: Number(elapsed(started)),
    };
    summaries.push(summary);
    progress.done(
      `${summary.scope}: ${summary.nodes} nodes, ${summary.edges} edges, ${summary.removedNodes} nodes and ` +
        `${summary.removedEdges} edges retired, ${summary.warnings.length} warnings, ${summary.seconds} s`,
    );
  }
  return summaries;
}

/** Node counts per label and edge counts per type, as stored on the Dataset node. */
function countsOf(records: SourceRecords): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const node of records.nodes) counts[node.label] = (counts[node.label] ?? 0) + 1;
  for (const edge of records.edges) counts[edge.type] = (counts[edge.type] ?? 0) + 1;
  counts.warnings = records.warnings.length;
  return counts;
}

function elapsed(since: number): string {
  return ((Date.now() - since) / 1000).toFixed(1);
}
