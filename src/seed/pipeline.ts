// The seed run: read and parse every named source first, then write each one, then retire what vanished.
import type { Graph } from '../graph/driver.js';
import { type LinkSummary, linkD3fendToAttack } from '../graph/link.js';
import { ATTACK_LABELS, D3FEND_LABELS, type NodeLabel } from '../graph/model.js';
import { ensureSchema, removeVanished, writeDataset, writeRecords } from '../graph/upsert.js';
import { parseAttackBundle } from './attack/parse.js';
import { parseD3fend } from './d3fend/parse.js';
import { fetchSource } from './fetch.js';
import { type Progress, silentProgress } from './progress.js';
import type { ParseWarning, SourceRecords } from './records.js';

/** What to load in one run; each list names files or URLs. */
export interface SeedRequest {
  attack: string[];
  d3fend?: string[];
}

/** Each kind of source: its parser and the labels whose nodes a seed of it may retire. */
const KINDS = {
  attack: { parse: parseAttackBundle, labels: ATTACK_LABELS },
  d3fend: { parse: parseD3fend, labels: D3FEND_LABELS },
} satisfies Record<string, { parse: (bytes: Buffer, file: string) => SourceRecords; labels: readonly NodeLabel[] }>;

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
): Promise<{ sources: SourceSummary[]; links: LinkSummary }> {
  const progress = options.progress ?? silentProgress;
  const parsed: { records: SourceRecords; labels: readonly NodeLabel[] }[] = [];
  const named: [keyof typeof KINDS, string][] = [
    ...request.attack.map((l): [keyof typeof KINDS, string] => ['attack', l]),
    ...(request.d3fend ?? []).map((l): [keyof typeof KINDS, string] => ['d3fend', l]),
  ];
  for (const [kind, location] of named) {
    progress.update(location, 'reading');
    const bytes = await fetchSource(location);
    progress.update(location, 'parsing');
    parsed.push({ records: KINDS[kind].parse(bytes, location), labels: KINDS[kind].labels });
  }

  await ensureSchema(graph);
  const summaries: SourceSummary[] = [];
  for (const { records, labels } of parsed) {
    const started = Date.now();
    const objects = records.nodes.length + records.edges.length;
    const written = await writeRecords(graph, records, options.batchSize, (w) =>
      progress.update(
        records.scope,
        `${objects} parsed, ${w.nodes} nodes and ${w.edges} edges written, ${elapsed(started)} s`,
      ),
    );
    const removed = await removeVanished(graph, records, labels);
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
  const links = await linkD3fendToAttack(graph);
  progress.done(
    `links: ${links.counters} COUNTERS and ${links.actsOn} ACTS_ON edges from D3FEND to ATT&CK techniques` +
      (links.missingAttackIds.length > 0 ? `, ${links.missingAttackIds.length} ATT&CK ids in D3FEND not loaded` : ''),
  );
  return { sources: summaries, links };
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
