// The seeding benchmark: a full seed into an empty database and a re-seed, each as the real CLI, and the naive baseline.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { config, projectRoot } from '../src/config.js';
import { Graph } from '../src/graph/driver.js';
import type { SeedReport, SeedRequest } from '../src/seed/pipeline.js';
import type { NaiveSeedResult } from './naive-seed.js';

export interface SeedBenchOptions {
  neo4jUri: string;
  user: string;
  password: string;
  /** The shared data folder: attack/, d3fend/, sigma/, atomic-red-team/atomics. */
  dataDir: string;
  repeats: number;
  /** Also run the naive one-statement-per-object loader, once, after the repeats. */
  naive: boolean;
  /** Seed the small test fixtures instead of `dataDir`: a run takes seconds. */
  smoke: boolean;
  /** Receives a line per finished run; silent by default. */
  log?: (line: string) => void;
}

/** The figures of one seed run. Rates divide by seconds of writing, never of reading and parsing. */
export interface SeedRunFigures {
  kind: 'full' | 'reseed' | 'naive';
  /** The seeder process from spawn to exit, as this benchmark measured it. */
  wallSeconds: number;
  /** The same, as the seeder measured it from its own start. */
  totalSeconds: number;
  peakRssBytes: number;
  /** Per source (a CLI run's also carry the rest of its `--json` summary). */
  sources: { scope: string; nodes: number; edges: number; readSeconds: number; writeSeconds: number }[];
  readSeconds: number;
  /**
   * Writing the sources (nodes, edges, retiring what vanished, Dataset nodes), wall time: the real seed writes sources
   * of unrelated labels at the same time.
   */
  writeSeconds: number;
  schemaSeconds: number;
  linkSeconds: number;
  /** Nodes and edges written, as the seeder counts its rows. */
  nodesWritten: number;
  edgesWritten: number;
  /** (nodesWritten + edgesWritten) / writeSeconds. */
  writtenPerSecond: number;
  /** What the graph holds afterwards, counted with Cypher (links and Dataset nodes included). */
  graphNodes: number;
  graphRelationships: number;
  /** (graphNodes + graphRelationships) / (schemaSeconds + writeSeconds + linkSeconds). */
  graphPerSecond: number;
}

export interface SeedBenchResult {
  /** One entry per repeat: the full seed into an empty database, then the re-seed of the same data. */
  repeats: { full: SeedRunFigures; reseed: SeedRunFigures }[];
  /** The naive baseline's run into an empty database, when asked for. */
  naive: SeedRunFigures | null;
}

/**
 * Runs the seeding benchmark. Each repeat empties the database completely (data, constraints and indexes), seeds
 * everything with `coverage-graph seed --json`, then seeds the same data again. The database is wiped, so this
 * refuses one that holds data unless it is the benchmark's own (BENCH_ALLOW_WIPE=1, as `npm run bench` sets for the
 * instance it starts), carries the benchmark's marker, or is the tests' database.
 */
export async function benchSeed(options: SeedBenchOptions): Promise<SeedBenchResult> {
  const graph = new Graph({ ...config.neo4j, uri: options.neo4jUri, user: options.user, password: options.password });
  try {
    await assertWipeable(graph, options.neo4jUri);
  } catch (error) {
    await graph.close();
    throw error;
  }
  const log = options.log ?? (() => {});
  const request = options.smoke ? fixtureRequest() : sharedRequest(options.dataDir);
  const env = {
    ...process.env,
    NEO4J_URI: options.neo4jUri,
    NEO4J_USER: options.user,
    NEO4J_PASSWORD: options.password,
  };
  const scratch = await mkdtemp(path.join(tmpdir(), 'coverage-graph-bench-seed-'));
  try {
    const repeats: SeedBenchResult['repeats'] = [];
    for (let i = 1; i <= options.repeats; i++) {
      await emptyDatabase(graph);
      const full = await cliSeed(graph, request, env, scratch, 'full');
      log(`seed ${i}/${options.repeats}: full seed ${line(full)}`);
      const reseed = await cliSeed(graph, request, env, scratch, 'reseed');
      log(`seed ${i}/${options.repeats}: re-seed ${line(reseed)}`);
      repeats.push({ full, reseed });
    }
    let naive: SeedRunFigures | null = null;
    if (options.naive) {
      await emptyDatabase(graph);
      naive = await naiveRun(graph, request, env, scratch);
      log(`seed: naive baseline ${line(naive)}`);
    }
    return { repeats, naive };
  } finally {
    await graph.close();
    await rm(scratch, { recursive: true, force: true });
  }
}

/** How a figure spread across repeats. */
export interface Spread {
  min: number;
  median: number;
  max: number;
}

/** Minimum, median and maximum of some measurements (the median of an even count is the mean of the middle two). */
export function summarize(values: number[]): Spread {
  if (values.length === 0) throw new Error('summarize needs at least one value');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median =
    sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return { min: sorted[0] as number, median, max: sorted.at(-1) as number };
}

/** Every figure of a run by name, with per-source seconds as `<scope> readSeconds` and `<scope> writeSeconds`. */
export function figuresOf(run: SeedRunFigures): Record<string, number> {
  const { kind: _, sources, ...figures } = run;
  const perSource = sources.flatMap((s) => [
    [`${s.scope} readSeconds`, s.readSeconds],
    [`${s.scope} writeSeconds`, s.writeSeconds],
  ]);
  return { ...figures, ...Object.fromEntries(perSource) };
}

/** Min, median and max of every figure (see figuresOf) of the full seeds and of the re-seeds across the repeats. */
export function summarizeSeedBench(result: SeedBenchResult): {
  full: Record<string, Spread>;
  reseed: Record<string, Spread>;
  /** The naive baseline ran once: min, median and max are its figures. */
  naive: Record<string, Spread> | null;
} {
  const across = (runs: SeedRunFigures[]) => {
    const figures = runs.map(figuresOf);
    const names = Object.keys(figures[0] ?? {});
    return Object.fromEntries(names.map((name) => [name, summarize(figures.map((f) => f[name] as number))]));
  };
  return {
    full: across(result.repeats.map((r) => r.full)),
    reseed: across(result.repeats.map((r) => r.reseed)),
    naive: result.naive && across([result.naive]),
  };
}

/** The full seed of the shared data, as issue 6 names it. */
export function sharedRequest(dataDir: string): SeedRequest {
  return {
    attack: ['enterprise', 'mobile', 'ics'].map((domain) => path.join(dataDir, 'attack', `${domain}-attack.json`)),
    d3fend: [path.join(dataDir, 'd3fend', 'd3fend.ttl')],
    sigma: [{ name: 'sigmahq', location: path.join(dataDir, 'sigma') }],
    atomic: [path.join(dataDir, 'atomic-red-team', 'atomics')],
  };
}

/** The same shape of seed on the test fixtures (for smoke runs). */
export function fixtureRequest(): SeedRequest {
  const fixture = (...parts: string[]) => path.join(projectRoot, 'test', 'fixtures', ...parts);
  return {
    attack: [fixture('attack', 'mini-enterprise.json'), fixture('attack', 'mini-ics.json')],
    d3fend: [fixture('d3fend', 'mini.ttl')],
    sigma: [{ name: 'sigmahq', location: fixture('sigma') }],
    atomic: [fixture('atomic')],
  };
}

/** The command-line arguments of `coverage-graph seed` for a request. */
export function seedArgs(request: SeedRequest): string[] {
  return [
    ...request.attack.flatMap((location) => ['--attack', location]),
    ...(request.d3fend ?? []).flatMap((location) => ['--d3fend', location]),
    ...(request.sigma ?? []).flatMap(({ name, location }) => ['--sigma', `${name}=${location}`]),
    ...(request.atomic ?? []).flatMap((location) => ['--atomic', location]),
  ];
}

/** One seed by the real CLI in its own process, its figures from `--json` and the graph's counts afterwards. */
async function cliSeed(
  graph: Graph,
  request: SeedRequest,
  env: NodeJS.ProcessEnv,
  scratch: string,
  kind: 'full' | 'reseed',
): Promise<SeedRunFigures> {
  const out = path.join(scratch, `${kind}.json`);
  const cli = path.join(projectRoot, 'dist', 'src', 'cli.js');
  const wallSeconds = await runChild([cli, 'seed', ...seedArgs(request), '--json', out], env);
  const report = JSON.parse(await readFile(out, 'utf8')) as SeedReport;
  return figures(graph, kind, report.sources, { ...report, wallSeconds });
}

/** The naive loader in its own process (so its peak RSS is its own), into the database as it is. */
async function naiveRun(
  graph: Graph,
  request: SeedRequest,
  env: NodeJS.ProcessEnv,
  scratch: string,
): Promise<SeedRunFigures> {
  const requestFile = path.join(scratch, 'naive-request.json');
  const out = path.join(scratch, 'naive.json');
  await writeFile(requestFile, JSON.stringify(request));
  const loader = path.join(projectRoot, 'dist', 'bench', 'naive-seed.js');
  const wallSeconds = await runChild([loader, requestFile, out], env);
  const result = JSON.parse(await readFile(out, 'utf8')) as NaiveSeedResult & { peakRssBytes: number };
  return figures(graph, 'naive', result.sources, { ...result, totalSeconds: result.seconds, wallSeconds });
}

/** Completes a run's figures with sums over its sources, the graph's counts and the rates. */
async function figures(
  graph: Graph,
  kind: SeedRunFigures['kind'],
  sources: SeedRunFigures['sources'],
  measured: Pick<SeedRunFigures, 'wallSeconds' | 'totalSeconds' | 'peakRssBytes' | 'schemaSeconds' | 'linkSeconds'> & {
    /** The write's wall time, where sources were written at the same time; else the sum over the sources. */
    writeSeconds?: number;
  },
): Promise<SeedRunFigures> {
  const sum = (figure: 'nodes' | 'edges' | 'readSeconds' | 'writeSeconds') =>
    sources.reduce((total, s) => total + s[figure], 0);
  const { graphNodes, graphRelationships } = await countGraph(graph);
  const writeSeconds = measured.writeSeconds ?? sum('writeSeconds');
  return {
    kind,
    wallSeconds: measured.wallSeconds,
    totalSeconds: measured.totalSeconds,
    peakRssBytes: measured.peakRssBytes,
    sources,
    readSeconds: sum('readSeconds'),
    writeSeconds,
    schemaSeconds: measured.schemaSeconds,
    linkSeconds: measured.linkSeconds,
    nodesWritten: sum('nodes'),
    edgesWritten: sum('edges'),
    writtenPerSecond: (sum('nodes') + sum('edges')) / writeSeconds,
    graphNodes,
    graphRelationships,
    graphPerSecond: (graphNodes + graphRelationships) / (measured.schemaSeconds + writeSeconds + measured.linkSeconds),
  };
}

/** What a seed left in the graph: its nodes (not the benchmark's marker or the graph version) and relationships. */
export async function countGraph(graph: Graph): Promise<{ graphNodes: number; graphRelationships: number }> {
  const [nodes] = await graph.read(`MATCH (n) WHERE NOT n:${BENCH_MARKER} AND NOT n:GraphVersion RETURN count(n) AS n`);
  const [relationships] = await graph.read('MATCH ()-[r]->() RETURN count(r) AS n');
  return { graphNodes: Number(nodes?.n), graphRelationships: Number(relationships?.n) };
}

/** Runs `node <args>` and resolves with its wall seconds; rejects with the end of its stderr if it fails. */
export function runChild(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0) resolve((performance.now() - started) / 1000);
      else reject(new Error(`node ${args.join(' ')} exited with ${signal ?? code}:\n${stderr}`));
    });
  });
}

/** The label of the node that marks a database the benchmark has wiped (and may wipe again). */
const BENCH_MARKER = 'CoverageGraphBenchDatabase';

/** Throws unless the database at `uri` is empty, marked as the benchmark's or the tests', or BENCH_ALLOW_WIPE=1. */
export async function assertWipeable(graph: Graph, uri: string): Promise<void> {
  if (process.env.BENCH_ALLOW_WIPE === '1') return;
  const [row] = await graph.read(
    `MATCH (n) WITH count(n) AS nodes
     OPTIONAL MATCH (m) WHERE m:${BENCH_MARKER} OR m:CoverageGraphTestDatabase
     RETURN nodes, count(m) AS markers`,
  );
  if (Number(row?.nodes) > 0 && Number(row?.markers) === 0) {
    throw new Error(
      `The seed benchmark wipes the database at ${uri}, which holds data that no benchmark or test wrote. Point ` +
        'NEO4J_URI at a database that may be wiped, leave it unset (the benchmark starts its own), or set ' +
        'BENCH_ALLOW_WIPE=1.',
    );
  }
}

/**
 * Deletes every node and relationship in batches, then every constraint and every index but the LOOKUP ones, so the
 * next seed starts from an empty database as a new user's would. Wipes whatever `graph` reaches: callers check that
 * it is a benchmark database (as benchSeed does). Leaves the benchmark's marker node.
 */
export async function emptyDatabase(graph: Graph): Promise<void> {
  await graph.schema('MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS');
  for (const row of await graph.read('SHOW CONSTRAINTS YIELD name RETURN name')) {
    await graph.schema(`DROP CONSTRAINT ${quoted(row.name as string)} IF EXISTS`);
  }
  for (const row of await graph.read("SHOW INDEXES YIELD name, type WHERE type <> 'LOOKUP' RETURN name")) {
    await graph.schema(`DROP INDEX ${quoted(row.name as string)} IF EXISTS`);
  }
  await graph.write((run) => run(`CREATE (:${BENCH_MARKER})`));
}

/** A schema object's name as a Cypher identifier (the names come from the database, not from input). */
function quoted(name: string): string {
  return `\`${name.replaceAll('`', '``')}\``;
}

function line(run: SeedRunFigures): string {
  const mb = Math.round(run.peakRssBytes / 2 ** 20);
  return `${run.wallSeconds.toFixed(1)} s, ${mb} MiB peak RSS, ${Math.round(run.writtenPerSecond)} nodes+edges/s`;
}
