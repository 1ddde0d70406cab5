// The seed run: read every named source (the schema made meanwhile), write, retire what vanished, link; its summary.

import { SourceError } from '../errors.js';
import type { Graph } from '../graph/driver.js';
import { type LinkSummary, linkSources } from '../graph/link.js';
import { clearListTotals } from '../graph/list-counts.js';
import {
  ATOMIC_LABELS,
  ATTACK_LABELS,
  D3FEND_LABELS,
  type NodeLabel,
  RELEASE_LABELS,
  SIGMA_LABELS,
} from '../graph/model.js';
import { ensureSchema, markGraphChanged, removeVanished, writeDataset, writeRecords } from '../graph/upsert.js';
import { isArchiveName, readArchive } from './archive.js';
import { ATOMIC_FILE, parseAtomics } from './atomic/parse.js';
import { parseAttackBundle } from './attack/parse.js';
import { releaseRecords, versionedLocation } from './attack/release.js';
import { parseD3fend } from './d3fend/parse.js';
import { fetchSource, isUrl } from './fetch.js';
import { readFolder } from './folder.js';
import { count, type Progress, silentProgress } from './progress.js';
import type { ParseWarning, SourceRecords } from './records.js';
import { parseSigmaSource } from './sigma/parse.js';

/** What to load in one run; each list names files or URLs (folders for Sigma and Atomic). */
export interface SeedRequest {
  /**
   * ATT&CK bundles that make the graph, each also kept as its release's catalogue; a location may name its release
   * in front (`18.1=enterprise-attack.json`) when the bundle does not.
   */
  attack: string[];
  /** ATT&CK bundles kept only as release catalogues, for comparisons (same `version=` naming). */
  attackReleases?: string[];
  d3fend?: string[];
  /** Named Sigma rule folders: SigmaHQ's and an organisation's own. */
  sigma?: { name: string; location: string }[];
  /** Atomic Red Team folders (`atomics/`). */
  atomic?: string[];
}

/** Records of one scope, and the labels whose nodes its seed may retire. */
interface Parsed {
  records: SourceRecords;
  labels: readonly NodeLabel[];
}

/** A source to read: how to turn its location into records (an ATT&CK bundle gives two scopes: it and its release). */
interface Reader {
  location: string;
  read(): Promise<Parsed[]>;
}

/** The readers of a request, in the order the sources were named by kind. */
function readers(request: SeedRequest): Reader[] {
  const bundle = async (location: string, parse: (bytes: Buffer, file: string) => SourceRecords) =>
    parse(await fetchSource(location), location);
  const attack = (value: string, keepGraph: boolean) => {
    const { version, location } = versionedLocation(value);
    return {
      location,
      read: async (): Promise<Parsed[]> => {
        const records = await bundle(location, parseAttackBundle);
        const own = records.dataset.versionFromFileName ? null : records.dataset.version;
        if (version !== null && own !== null && own !== version) {
          throw new SourceError(
            location,
            'top level',
            `named release ${version}, but the bundle says it is ${own}: drop the name or fix it`,
          );
        }
        if (version !== null) records.dataset.version = version;
        // The graph's bundle keeps its release only when it knows which release it is; one named for comparisons
        // must know.
        const release = keepGraph && !records.dataset.version ? null : releaseRecords(records, version);
        return [
          ...(keepGraph ? [{ records, labels: ATTACK_LABELS }] : []),
          ...(release ? [{ records: release, labels: RELEASE_LABELS }] : []),
        ];
      },
    };
  };
  // Rule sources are folders, or zip / tar.gz archives given as a file or a URL.
  const folder = async (location: string, pattern: RegExp) =>
    isUrl(location) || isArchiveName(location)
      ? readArchive(await fetchSource(location), location, pattern)
      : readFolder(location, pattern);
  return [
    ...request.attack.map((value) => attack(value, true)),
    ...(request.attackReleases ?? []).map((value) => attack(value, false)),
    ...(request.d3fend ?? []).map((location) => ({
      location,
      read: async () => [{ records: await bundle(location, parseD3fend), labels: D3FEND_LABELS }],
    })),
    ...(request.sigma ?? []).map(({ name, location }) => ({
      location,
      read: async () => [
        { records: parseSigmaSource(name, location, await folder(location, /\.ya?ml$/)), labels: SIGMA_LABELS },
      ],
    })),
    ...(request.atomic ?? []).map((location) => ({
      location,
      read: async () => [
        { records: parseAtomics(location, await folder(location, ATOMIC_FILE)), labels: ATOMIC_LABELS },
      ],
    })),
  ];
}

/** One source read and parsed: its records, the labels whose nodes its seed may retire, and the time it took. */
export interface ReadSource {
  records: SourceRecords;
  labels: readonly NodeLabel[];
  /** Seconds spent reading (or fetching) and parsing the source. */
  readSeconds: number;
}

/**
 * Reads and parses every source of `request`, in order, without touching the graph. With `strict`, a rule file
 * that would be skipped throws a SourceError naming it.
 */
export async function readSources(
  request: SeedRequest,
  options: { strict?: boolean; progress?: Progress } = {},
): Promise<ReadSource[]> {
  const progress = options.progress ?? silentProgress;
  const parsed: ReadSource[] = [];
  for (const reader of readers(request)) {
    progress.update(reader.location, 'reading and parsing');
    const started = performance.now();
    const sources = await reader.read();
    const readSeconds = secondsSince(started);
    for (const { records, labels } of sources) {
      const skipped = records.warnings.filter((w) => w.skipped);
      if (options.strict && skipped.length > 0) {
        const [first] = skipped as [ParseWarning];
        throw new SourceError(
          first.file,
          first.where,
          `${first.reason} (--strict: ${skipped.length} file${skipped.length > 1 ? 's' : ''} would be skipped)`,
        );
      }
      progress.done(
        `${records.scope}: parsed ${count(records.nodes.length + records.edges.length)} objects ` +
          `(${count(records.nodes.length)} nodes, ${count(records.edges.length)} edges, ` +
          `${count(records.warnings.length)} warnings) in ${Number(readSeconds.toFixed(1))} s`,
      );
      // A release catalogue is derived from its bundle: the reading time is the bundle's.
      parsed.push({ records, labels, readSeconds: records === sources[0]?.records ? readSeconds : 0 });
    }
  }
  return parsed;
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
  /** Seconds spent reading and parsing the source. */
  readSeconds: number;
  /** Seconds spent writing it: nodes, edges, retiring what vanished, its Dataset node. */
  seconds: number;
}

/**
 * What a seed did: per source, the links between sources, and the seconds of the schema and link steps (the schema's
 * are its own, spent while the sources were read, and those of marking the graph changed).
 */
export interface SeedResult {
  sources: SourceSummary[];
  links: LinkSummary;
  schemaSeconds: number;
  /**
   * Seconds of writing every source, from the first write to the last: less than the sum of the sources' seconds,
   * since sources of unrelated labels are written at the same time (writeLanes).
   */
  writeSeconds: number;
  linkSeconds: number;
}

/**
 * Seeds the graph. Every source is read and parsed before anything is written, so bad input (a SourceError)
 * leaves the graph as it was. Each source replaces only its own scope.
 */
export async function seed(
  graph: Graph,
  request: SeedRequest,
  options: { batchSize: number; progress?: Progress; strict?: boolean },
): Promise<SeedResult> {
  const progress = options.progress ?? silentProgress;
  // Neo4j creates the constraints and indexes (idempotent, no data touched) while this process reads and parses:
  // on a new store that is a second and a half of Neo4j's work beside as much of ours (bench/notes.md, step 44).
  // A bad source still stops the run before anything is written; its error wins over one of the schema's.
  const schemaStarted = performance.now();
  const [read, schema] = await Promise.allSettled([
    readSources(request, { strict: options.strict, progress }),
    ensureSchema(graph).then(() => secondsSince(schemaStarted)),
  ]);
  if (read.status === 'rejected') throw read.reason;
  if (schema.status === 'rejected') throw schema.reason;
  const parsed = read.value;

  const markStarted = performance.now();
  // A new graph version before the first write and after the last: answers cached by the API meanwhile are dropped.
  await markGraphChanged(graph);
  // The lists' stored totals describe the graph before this seed: until its link step stores new ones, pages count.
  await clearListTotals(graph);
  const schemaSeconds = schema.value + secondsSince(markStarted);
  let summaries: SourceSummary[];
  let links: LinkSummary;
  let writeSeconds: number;
  let linkSeconds: number;
  try {
    const writeStarted = performance.now();
    summaries = await writeSources(graph, parsed, options.batchSize, progress);
    writeSeconds = secondsSince(writeStarted);
    const linkStarted = performance.now();
    links = await linkSources(graph);
    linkSeconds = secondsSince(linkStarted);
  } finally {
    // Also when a write failed: answers cached meanwhile may show a half-written graph. A failure here (Neo4j gone)
    // must not hide the write's own error.
    await markGraphChanged(graph).catch(() => {});
  }
  progress.done(
    `links: ${links.counters} COUNTERS and ${links.actsOn} ACTS_ON edges from D3FEND, ${links.sigmaDetects} DETECTS and ` +
      `${links.sigmaTactics} FOR_TACTIC edges from Sigma rules, ${links.atomicTests} TESTS edges from Atomic tests` +
      (links.missingAttackIds.length > 0 ? `; ${links.missingAttackIds.length} ATT&CK ids in D3FEND not loaded` : '') +
      (links.unknownTechniqueIds.length > 0
        ? `; ${links.unknownTechniqueIds.length} technique ids of Sigma or Atomic not loaded`
        : '') +
      (links.unknownTacticTags.length > 0 ? `; ${links.unknownTacticTags.length} unknown Sigma tactic tags` : '') +
      (links.revokedTechniqueTags.length > 0
        ? `; ${links.revokedTechniqueTags.length} Sigma technique tags name revoked techniques`
        : ''),
  );
  return { sources: summaries, links, schemaSeconds, writeSeconds, linkSeconds };
}

/** The summary of one seed run as plain JSON, as `seed --json` writes it. */
export interface SeedReport {
  /** Each source's summary, with its warnings counted (the CLI prints them) and `seconds` named `writeSeconds`. */
  sources: (Omit<SourceSummary, 'warnings' | 'seconds'> & { warnings: number; writeSeconds: number })[];
  /** The link step's edge counts, and how many ids or tags it could not link. */
  links: Record<keyof LinkSummary, number>;
  schemaSeconds: number;
  /** Seconds of writing every source, wall time (see SeedResult). */
  writeSeconds: number;
  linkSeconds: number;
  /** Wall seconds of the whole process, from its start. */
  totalSeconds: number;
  /** The process's peak resident set size. */
  peakRssBytes: number;
  /** CPU seconds (user + system) of the whole process: beside `totalSeconds`, how much of it was this process's work. */
  cpuSeconds: number;
}

/** Turns a seed's result and the process figures its caller measured into the JSON summary of the run. */
export function seedReport(
  result: SeedResult,
  measured: { totalSeconds: number; peakRssBytes: number; cpuSeconds: number },
): SeedReport {
  const { links } = result;
  return {
    sources: result.sources.map(({ warnings, seconds, ...source }) => ({
      ...source,
      warnings: warnings.length,
      writeSeconds: seconds,
    })),
    links: {
      counters: links.counters,
      actsOn: links.actsOn,
      sigmaDetects: links.sigmaDetects,
      sigmaTactics: links.sigmaTactics,
      atomicTests: links.atomicTests,
      missingAttackIds: links.missingAttackIds.length,
      unknownTechniqueIds: links.unknownTechniqueIds.length,
      unknownTacticTags: links.unknownTacticTags.length,
      revokedTechniqueTags: links.revokedTechniqueTags.length,
      techniqueFacts: links.techniqueFacts,
    },
    schemaSeconds: result.schemaSeconds,
    writeSeconds: result.writeSeconds,
    linkSeconds: result.linkSeconds,
    ...measured,
  };
}

/** Writes each parsed source, retires what vanished from it and records its Dataset node. */
async function writeSources(
  graph: Graph,
  parsed: Awaited<ReturnType<typeof readSources>>,
  batchSize: number,
  progress: Progress,
): Promise<SourceSummary[]> {
  const summaries: SourceSummary[] = [];
  // Lanes touch disjoint labels, so their transactions never wait on each other's locks; on two cores Neo4j writes
  // one lane while it commits the other (BENCHMARKS.md). The first failure, in the order of the sources, is thrown
  // once every lane has stopped: what the other lanes wrote is whole, each source's scope replaced or left alone.
  const lanes = await Promise.allSettled(
    writeLanes(parsed).map(async (lane) => {
      for (const index of lane) {
        summaries[index] = await writeSource(graph, parsed[index] as ReadSource, batchSize, progress);
      }
    }),
  );
  for (const lane of lanes) if (lane.status === 'rejected') throw lane.reason;
  return summaries;
}

/**
 * The sources' positions grouped into lanes that may be written at the same time: sources that own, write or link
 * nodes of a common label share a lane (the ATT&CK bundles, say, or two Sigma rule folders) and are written one
 * after another in the order given.
 */
export function writeLanes(parsed: readonly Pick<ReadSource, 'records' | 'labels'>[]): number[][] {
  const lanes: { labels: Set<string>; members: number[] }[] = [];
  parsed.forEach(({ records, labels }, index) => {
    const touched = new Set<string>(labels);
    for (const node of records.nodes) touched.add(node.label);
    for (const edge of records.edges) touched.add(edge.from.label).add(edge.to.label);
    const [lane, ...joined] = lanes.filter((l) => [...touched].some((label) => l.labels.has(label)));
    const into = lane ?? { labels: new Set<string>(), members: [] };
    if (!lane) lanes.push(into);
    for (const other of joined) {
      for (const label of other.labels) into.labels.add(label);
      into.members.push(...other.members);
      lanes.splice(lanes.indexOf(other), 1);
    }
    for (const label of touched) into.labels.add(label);
    into.members.push(index);
    into.members.sort((a, b) => a - b);
  });
  return lanes.map((lane) => lane.members);
}

/** Writes one parsed source: its nodes and edges, then retires what vanished from its scope, then its Dataset. */
async function writeSource(
  graph: Graph,
  { records, labels, readSeconds }: ReadSource,
  batchSize: number,
  progress: Progress,
): Promise<SourceSummary> {
  const started = Date.now();
  const objects = records.nodes.length + records.edges.length;
  progress.writing(records.scope, 0, objects);
  const written = await writeRecords(graph, records, batchSize, (w) =>
    progress.writing(records.scope, w.nodes + w.edges, objects),
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
    readSeconds,
    seconds: (Date.now() - started) / 1000,
  };
  progress.done(
    `${summary.scope}: ${summary.nodes} nodes, ${summary.edges} edges, ${summary.removedNodes} nodes and ` +
      `${summary.removedEdges} edges retired, ${summary.warnings.length} warnings, ${Number(summary.seconds.toFixed(1))} s`,
  );
  return summary;
}

/** Node counts per label and edge counts per type, as stored on the Dataset node. */
function countsOf(records: SourceRecords): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const node of records.nodes) counts[node.label] = (counts[node.label] ?? 0) + 1;
  for (const edge of records.edges) counts[edge.type] = (counts[edge.type] ?? 0) + 1;
  counts.warnings = records.warnings.length;
  return counts;
}

/** Seconds since a `performance.now()` reading, to the millisecond. */
function secondsSince(started: number): number {
  return Math.round(performance.now() - started) / 1000;
}
