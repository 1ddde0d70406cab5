// The benchmark suite: seeding, load per scenario, server and concurrency, Cypher round trips, and the report.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';
import { startServer } from '../src/api/server.js';
import { config, projectRoot } from '../src/config.js';
import { Graph } from '../src/graph/driver.js';
import { seed } from '../src/seed/pipeline.js';
import type { FirstSeedResult } from './first-seed.js';
import { countPeerRoundTrips, createPeerSchema, PEER_OPERATIONS } from './peer.js';
import { cpuSeconds } from './proc.js';
import { renderReport } from './report.js';
import { SCENARIOS, type Scenario, type ScenarioName } from './scenarios.js';
import { benchSeed, emptyDatabase, fixtureRequest, type SeedBenchResult, sharedRequest, summarize } from './seed.js';
import { SERVER_KINDS, type ServerKind } from './server.js';

export interface BenchOptions {
  smoke: boolean;
  /** Seconds per load run (a smoke run sends a fixed small number of requests instead). */
  duration: number;
  repeats: number;
  connections: number[];
  seedRepeats: number;
  skipSeed: boolean;
  /** The first seeds after a Neo4j start on a new store, measured before this run (bench/first-seed.ts). */
  firstSeeds: FirstSeedResult | null;
  /** Only these scenarios and servers (all when null). */
  scenarios: string[] | null;
  servers: string[] | null;
  out: string;
  json: string;
  machine: { cpus: number; cpuModel: string; memoryBytes: number };
}

/** One load run's figures. */
export interface LoadFigures {
  requestsPerSecond: number;
  p50: number;
  p90: number;
  p99: number;
  requests: number;
  failures: number;
  /** CPU milliseconds per answered request of the server process and of Neo4j's JVM (null where unmeasurable). */
  serverCpuMs: number | null;
  neo4jCpuMs: number | null;
}

export interface BenchResults {
  startedAt: string;
  command: string;
  smoke: boolean;
  machine: BenchOptions['machine'] & { node: string; neo4j: string };
  seed: SeedBenchResult | null;
  /** Absent in results written before it was measured. */
  firstSeeds?: FirstSeedResult | null;
  /** Cypher statements per request, by server kind and scenario. */
  roundTrips: Record<string, Record<ScenarioName, number>>;
  /** Bytes of each server's answer per scenario (checked free of errors before any load). */
  answerBytes: Record<string, Partial<Record<ScenarioName, number>>>;
  load: { kind: ServerKind; scenario: ScenarioName; connections: number; runs: LoadFigures[] }[];
}

/** Seconds of load per scenario and server in the warm-up pass before the measured runs (16 connections). */
const WARM_UP_SECONDS = 3;

/** The shared real data (`../shared/data` beside the checkout, or SHARED_DATA). */
export const SHARED_DATA = process.env.SHARED_DATA ?? path.resolve(projectRoot, '..', 'shared', 'data');

/** How this run was started, as the report quotes it. */
export function benchCommand(): string {
  return `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
}

/** Runs everything, writes the JSON results and the Markdown report, and returns the results. */
export async function runBenchmark(options: BenchOptions): Promise<BenchResults> {
  const log = (line: string) => console.log(`[bench] ${line}`);
  const graph = new Graph();
  try {
    const [component] = await graph.read('CALL dbms.components() YIELD versions RETURN versions[0] AS version');
    const results: BenchResults = {
      startedAt: new Date().toISOString(),
      command: benchCommand(),
      smoke: options.smoke,
      machine: { ...options.machine, node: process.version, neo4j: String(component?.version) },
      seed: null,
      firstSeeds: options.firstSeeds,
      roundTrips: {},
      answerBytes: {},
      load: [],
    };
    const request = options.smoke ? fixtureRequest() : sharedRequest(SHARED_DATA);
    if (!options.skipSeed) {
      results.seed = await benchSeed({
        neo4jUri: config.neo4j.uri,
        user: config.neo4j.user,
        password: config.neo4j.password,
        dataDir: SHARED_DATA,
        repeats: options.seedRepeats,
        naive: true,
        smoke: options.smoke,
        log,
      });
      // The naive baseline leaves its own graph: seed properly for the query runs.
      await emptyDatabase(graph);
      await seed(graph, request, { batchSize: config.seed.batchSize });
      log('graph seeded for the query runs');
    }
    await countRoundTrips(graph, results);
    log(`round trips: ${JSON.stringify(results.roundTrips)}`);
    const kinds = SERVER_KINDS.filter((kind) => options.servers?.includes(kind) ?? true);
    const scenarios = SCENARIOS.filter((scenario) => options.scenarios?.includes(scenario.name) ?? true);
    // Every server runs at once (idle ones cost memory only), and their load runs take turns: for each scenario,
    // concurrency and repeat, one run per server. The machine drifts by 10-25% over a half-hour benchmark (a
    // shared virtual machine); run one server after another and the drift lands in the ratios between them.
    const servers: { kind: ServerKind; url: string; pid: number | null; stop(): Promise<void> }[] = [];
    try {
      for (const kind of kinds) servers.push({ kind, ...(await spawnServer(kind)) });
      const turnsOf = (scenario: Scenario) =>
        servers.map((server) => {
          const operation = server.kind === 'peer' ? PEER_OPERATIONS[scenario.name] : scenario;
          const body = JSON.stringify({ query: operation.query, variables: operation.variables });
          return { ...server, body, what: `${server.kind} ${scenario.name}`, pids: pidsOf(server) };
        });
      // One warm-up pass over every scenario and server before any run is measured. Without it the first scenario
      // measured the JIT compilers of Neo4j and Node at work on the read paths the seed had not run: in the run of 27
      // November 08:47 even the floor, which has no database, answered the detail at 530 -> 673 -> 704 per second
      // over its three repeats, and the cached detail at 1,500 -> 2,134 -> 3,791.
      for (const scenario of scenarios) {
        for (const turn of turnsOf(scenario)) {
          await checkAnswer(turn.url, turn.body, turn.what, 60);
          await load(
            turn.url,
            turn.body,
            16,
            options.smoke ? { amount: 20 } : { duration: WARM_UP_SECONDS },
            turn.pids,
          );
          await settle(turn.pids);
        }
      }
      for (const scenario of scenarios) {
        const turns = turnsOf(scenario);
        for (const turn of turns) {
          // A server swamped by the previous run (the naive one at 64 connections) may need a while to drain.
          const bytes = await checkAnswer(turn.url, turn.body, turn.what, 60);
          results.answerBytes[turn.kind] = { ...results.answerBytes[turn.kind], [scenario.name]: bytes };
          await load(turn.url, turn.body, 8, options.smoke ? { amount: 20 } : { duration: 1 }, turn.pids); // this scenario again, just before its runs
        }
        for (const connections of options.connections) {
          const limit = options.smoke ? { amount: 10 * connections } : { duration: options.duration };
          const runs = turns.map((): LoadFigures[] => []);
          for (let i = 0; i < options.repeats; i++) {
            for (const [t, turn] of turns.entries()) {
              runs[t]?.push(await load(turn.url, turn.body, connections, limit, turn.pids));
              // Requests left in flight when the run ended must not spill into the next server's run.
              await settle(turn.pids);
              await checkAnswer(turn.url, turn.body, turn.what, 60);
            }
          }
          for (const [t, { kind }] of turns.entries()) {
            const figures = runs[t] ?? [];
            results.load.push({ kind, scenario: scenario.name, connections, runs: figures });
            log(
              `${kind} ${scenario.name} c=${connections}: ${summarize(figures.map((r) => r.requestsPerSecond)).median.toFixed(0)} req/s`,
            );
          }
        }
      }
    } finally {
      await Promise.all(servers.map((server) => server.stop()));
    }
    writeFileSync(options.json, `${JSON.stringify(results, null, 2)}\n`);
    writeFileSync(options.out, renderReport(results));
    log(`wrote ${options.out} and ${options.json}`);
    return results;
  } finally {
    await graph.close();
  }
}

/** Statements per request: ours and naive in process (cache off, then a cached repeat), the peer through its driver. */
async function countRoundTrips(graph: Graph, results: BenchResults): Promise<void> {
  const count = async (batching: boolean, cacheMb: number, times: number) => {
    const api = { ...config.api, host: '127.0.0.1', port: 0, responseCacheMb: cacheMb };
    const running = await startServer(graph, { ...config, api }, { batching });
    const counts = {} as Record<ScenarioName, number>;
    try {
      for (const scenario of SCENARIOS) {
        let statements = 0;
        const body = JSON.stringify({ query: scenario.query, variables: scenario.variables });
        for (let i = 0; i < times; i++) {
          statements = 0;
          const stop = graph.onQuery(() => {
            statements += 1;
          });
          await checkAnswer(running.url, body, scenario.name);
          stop();
        }
        counts[scenario.name] = statements;
      }
    } finally {
      await running.stop();
    }
    return counts;
  };
  results.roundTrips.ours = await count(true, 0, 1);
  results.roundTrips['ours (cached repeat)'] = await count(true, 64, 2);
  results.roundTrips.naive = await count(false, 0, 1);
  const schema = await createPeerSchema(graph.driver);
  results.roundTrips.peer = {} as Record<ScenarioName, number>;
  for (const scenario of SCENARIOS) {
    results.roundTrips.peer[scenario.name] = await countPeerRoundTrips(
      graph.driver,
      schema,
      PEER_OPERATIONS[scenario.name],
    );
  }
}

/**
 * Sends one request and fails unless it is answered with data and no errors, trying again each second for up to
 * `patience` seconds; returns the answer's size.
 */
async function checkAnswer(url: string, body: string, what: string, patience = 0): Promise<number> {
  const deadline = Date.now() + patience * 1000;
  for (;;) {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const text = await response.text();
    const parsed = JSON.parse(text) as { data?: unknown; errors?: { message: string }[] };
    if (response.status === 200 && !parsed.errors?.length && parsed.data) return Buffer.byteLength(text);
    if (Date.now() >= deadline)
      throw new Error(`${what}: not a clean answer (${response.status}): ${text.slice(0, 500)}`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/** The JVM of the benchmark's own local Neo4j (bench/run.ts names its pid file); null for a Neo4j given by URI. */
function neo4jPid(): number | null {
  const pidFile = process.env.BENCH_NEO4J_PID_FILE;
  if (!pidFile) return null;
  try {
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/**
 * Waits until the server and Neo4j are idle (each under a twentieth of a core over a fifth of a second), for at most
 * 15 s: a load generator stops at its duration with requests still in flight, and those would be measured as the
 * next server's work. Where a CPU time cannot be read it waits one settling interval.
 */
async function settle(pids: { server: number | null; neo4j: number | null }): Promise<void> {
  const interval = 200;
  const deadline = Date.now() + 15_000;
  const used = () => (cpuSeconds(pids.server) ?? 0) + (cpuSeconds(pids.neo4j) ?? 0);
  for (let before = used(); Date.now() < deadline; ) {
    await new Promise((resolve) => setTimeout(resolve, interval));
    const now = used();
    if (now - before < (2 * interval) / 1000 / 20) return;
    before = now;
  }
}

/** The processes whose CPU a load run on `server` measures: the server's and Neo4j's. */
function pidsOf(server: { pid: number | null }): { server: number | null; neo4j: number | null } {
  return { server: server.pid, neo4j: neo4jPid() };
}

/** One autocannon run on loopback, with the CPU the server and Neo4j spent per request during it. */
async function load(
  url: string,
  body: string,
  connections: number,
  limit: { duration: number } | { amount: number },
  pids: { server: number | null; neo4j: number | null },
): Promise<LoadFigures> {
  const before = { server: cpuSeconds(pids.server), neo4j: cpuSeconds(pids.neo4j) };
  const result = await autocannon({
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    connections,
    ...limit,
  });
  const seconds = 'duration' in limit ? result.duration : Math.max(result.duration, 1e-3);
  const perRequest = (start: number | null, end: number | null) =>
    start === null || end === null || result.requests.total === 0
      ? null
      : ((end - start) * 1000) / result.requests.total;
  return {
    serverCpuMs: perRequest(before.server, cpuSeconds(pids.server)),
    neo4jCpuMs: perRequest(before.neo4j, cpuSeconds(pids.neo4j)),
    requestsPerSecond: result.requests.total / seconds,
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    requests: result.requests.total,
    failures: result.errors + result.timeouts + result.non2xx,
  };
}

/** The Node flags of `npm run serve` (package.json) and of docker-compose.yml's api service. */
export const SERVE_NODE_FLAGS = ['--max-semi-space-size=64'];

/** Starts `node dist/bench/server.js <kind>` and waits for its URL. */
export async function spawnServer(
  kind: ServerKind,
): Promise<{ url: string; pid: number | null; stop(): Promise<void> }> {
  // Every server as ours is deployed: NODE_ENV=production (which also drops graphql-js's development-only checks),
  // and the young generation `npm run serve` and docker-compose.yml give Node (SERVE_NODE_FLAGS): the peer and the
  // floors run on the same runtime, so that only the GraphQL layer differs.
  const child = spawn(
    process.execPath,
    [...SERVE_NODE_FLAGS, path.join(projectRoot, 'dist', 'bench', 'server.js'), kind],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, NODE_ENV: 'production' },
    },
  );
  const lines = createInterface({ input: child.stdout });
  const url = await new Promise<string>((resolve, reject) => {
    lines.once('line', (line) => resolve((JSON.parse(line) as { url: string }).url));
    child.once('exit', (code) => reject(new Error(`bench server ${kind} exited with ${code}`)));
  });
  return {
    url,
    pid: child.pid ?? null,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
