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
import { countPeerRoundTrips, createPeerSchema, PEER_OPERATIONS } from './peer.js';
import { SCENARIOS, type ScenarioName } from './scenarios.js';
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
}

export interface BenchResults {
  startedAt: string;
  command: string;
  smoke: boolean;
  machine: BenchOptions['machine'] & { node: string; neo4j: string };
  seed: SeedBenchResult | null;
  /** Cypher statements per request, by server kind and scenario. */
  roundTrips: Record<string, Record<ScenarioName, number>>;
  /** Bytes of each server's answer per scenario (checked free of errors before any load). */
  answerBytes: Record<string, Record<ScenarioName, number>>;
  load: { kind: ServerKind; scenario: ScenarioName; connections: number; runs: LoadFigures[] }[];
}

const SHARED_DATA = process.env.SHARED_DATA ?? path.resolve(projectRoot, '..', 'shared', 'data');

/** Runs everything, writes the JSON results and the Markdown report, and returns the results. */
export async function runBenchmark(options: BenchOptions): Promise<BenchResults> {
  const log = (line: string) => console.log(`[bench] ${line}`);
  const graph = new Graph();
  try {
    const [component] = await graph.read('CALL dbms.components() YIELD versions RETURN versions[0] AS version');
    const results: BenchResults = {
      startedAt: new Date().toISOString(),
      command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
      smoke: options.smoke,
      machine: { ...options.machine, node: process.version, neo4j: String(component?.version) },
      seed: null,
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
    for (const kind of kinds) {
      const server = await spawnServer(kind);
      try {
        results.answerBytes[kind] = {} as Record<ScenarioName, number>;
        for (const scenario of scenarios) {
          const operation = kind === 'peer' ? PEER_OPERATIONS[scenario.name] : scenario;
          const body = JSON.stringify({ query: operation.query, variables: operation.variables });
          // A server swamped by the previous run (the naive one at 64 connections) may need a while to drain.
          results.answerBytes[kind][scenario.name] = await checkAnswer(
            server.url,
            body,
            `${kind} ${scenario.name}`,
            60,
          );
          await load(server.url, body, 8, options.smoke ? { amount: 20 } : { duration: 1 }); // warm-up
          for (const connections of options.connections) {
            const runs: LoadFigures[] = [];
            for (let i = 0; i < options.repeats; i++) {
              runs.push(
                await load(
                  server.url,
                  body,
                  connections,
                  options.smoke ? { amount: 10 * connections } : { duration: options.duration },
                ),
              );
            }
            results.load.push({ kind, scenario: scenario.name, connections, runs });
            const median = summarize(runs.map((r) => r.requestsPerSecond)).median;
            log(`${kind} ${scenario.name} c=${connections}: ${median.toFixed(0)} req/s`);
          }
        }
      } finally {
        await server.stop();
      }
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

/** One autocannon run on loopback. */
async function load(
  url: string,
  body: string,
  connections: number,
  limit: { duration: number } | { amount: number },
): Promise<LoadFigures> {
  const result = await autocannon({
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    connections,
    ...limit,
  });
  const seconds = 'duration' in limit ? result.duration : Math.max(result.duration, 1e-3);
  return {
    requestsPerSecond: result.requests.total / seconds,
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    requests: result.requests.total,
    failures: result.errors + result.timeouts + result.non2xx,
  };
}

/** Starts `node dist/bench/server.js <kind>` and waits for its URL. */
async function spawnServer(kind: ServerKind): Promise<{ url: string; stop(): Promise<void> }> {
  // Every server as deployed: NODE_ENV=production (which also drops graphql-js's development-only checks).
  const child = spawn(process.execPath, [path.join(projectRoot, 'dist', 'bench', 'server.js'), kind], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, NODE_ENV: 'production' },
  });
  const lines = createInterface({ input: child.stdout });
  const url = await new Promise<string>((resolve, reject) => {
    lines.once('line', (line) => resolve((JSON.parse(line) as { url: string }).url));
    child.once('exit', (code) => reject(new Error(`bench server ${kind} exited with ${code}`)));
  });
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

const fixed = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '-');
const range = (values: number[], digits = 1) => {
  const s = summarize(values);
  return `${fixed(s.median, digits)} (${fixed(s.min, digits)}–${fixed(s.max, digits)})`;
};

/** BENCHMARKS.md: what ran where, every figure as median (min–max) over the repeats, then the hand-written notes. */
export function renderReport(results: BenchResults): string {
  const out: string[] = [];
  const m = results.machine;
  out.push(
    '# Benchmarks',
    '',
    `Generated by \`${results.command}\` on ${results.startedAt}${results.smoke ? ' (SMOKE RUN: fixtures and tiny durations, not figures to quote)' : ''}.`,
    `Machine: ${m.cpus} × ${m.cpuModel}, ${(m.memoryBytes / 2 ** 30).toFixed(0)} GiB; Node ${m.node}; Neo4j ${m.neo4j} Community (local, \`npm run bench\` starts it on port 7690).`,
    'Every figure is the median over the repeats, with (min–max). The load generator (autocannon), the server under test (its own process) and Neo4j share the machine.',
    '',
  );
  if (results.seed) {
    const seedRows = (label: string, runs: SeedBenchResult['repeats'][number]['full'][]) => {
      const sources = runs[0]?.sources.map((s) => s.scope) ?? [];
      return [
        `| ${label} total wall (s) | ${range(runs.map((r) => r.wallSeconds))} |`,
        `| ${label} peak RSS of the seeder (MB) | ${range(
          runs.map((r) => r.peakRssBytes / 2 ** 20),
          0,
        )} |`,
        `| ${label} read + parse (s) | ${range(runs.map((r) => r.readSeconds))} |`,
        `| ${label} write (s) | ${range(runs.map((r) => r.writeSeconds))} |`,
        `| ${label} links (s) | ${range(runs.map((r) => r.linkSeconds))} |`,
        ...sources.map(
          (scope) =>
            `| ${label} ${scope}: read / write (s) | ${range(runs.map((r) => r.sources.find((s) => s.scope === scope)?.readSeconds ?? Number.NaN))} / ${range(runs.map((r) => r.sources.find((s) => s.scope === scope)?.writeSeconds ?? Number.NaN))} |`,
        ),
        `| ${label} rows written per second (nodes + edges / write s) | ${range(
          runs.map((r) => r.writtenPerSecond),
          0,
        )} |`,
        `| ${label} graph nodes + relationships per second | ${range(
          runs.map((r) => r.graphPerSecond),
          0,
        )} |`,
      ];
    };
    const full = results.seed.repeats.map((r) => r.full);
    const reseed = results.seed.repeats.map((r) => r.reseed);
    out.push(
      '## Seeding',
      '',
      `Full seed of all shared data into an empty database, then a re-seed of the same data, ${full.length} time(s); the graph then holds ${full[0]?.graphNodes} nodes and ${full[0]?.graphRelationships} relationships.`,
      '',
      '| figure | value |',
      '|---|---|',
      ...seedRows('full seed:', full),
      ...seedRows('re-seed:', reseed),
      ...(results.seed.naive ? seedRows('naive one-statement-per-object loader:', [results.seed.naive]) : []),
      '',
    );
  }
  out.push('## Queries under load', '');
  for (const scenario of SCENARIOS) {
    out.push(
      `### ${scenario.title}`,
      '',
      '| server | connections | requests/s | p50 ms | p90 ms | p99 ms | failures |',
    );
    out.push('|---|---|---|---|---|---|---|');
    for (const row of results.load.filter((l) => l.scenario === scenario.name)) {
      out.push(
        `| ${row.kind} | ${row.connections} | ${range(
          row.runs.map((r) => r.requestsPerSecond),
          0,
        )} | ${range(row.runs.map((r) => r.p50))} | ${range(row.runs.map((r) => r.p90))} | ${range(
          row.runs.map((r) => r.p99),
        )} | ${row.runs.reduce((n, r) => n + r.failures, 0)} |`,
      );
    }
    out.push('');
  }
  out.push('### Ours against @neo4j/graphql (median throughput ratio, and p99 ratio: below 1 is better)', '');
  out.push(
    '| scenario | connections | ours (cached) / peer req/s | ours uncached / peer req/s | ours uncached / peer p99 |',
  );
  out.push('|---|---|---|---|---|');
  const median = (kind: ServerKind, scenario: ScenarioName, connections: number, key: keyof LoadFigures) => {
    const row = results.load.find((l) => l.kind === kind && l.scenario === scenario && l.connections === connections);
    return row ? summarize(row.runs.map((r) => r[key])).median : Number.NaN;
  };
  for (const scenario of SCENARIOS) {
    for (const c of [...new Set(results.load.map((l) => l.connections))]) {
      const peer = median('peer', scenario.name, c, 'requestsPerSecond');
      out.push(
        `| ${scenario.name} | ${c} | ${fixed(median('ours', scenario.name, c, 'requestsPerSecond') / peer, 2)} | ${fixed(
          median('ours-uncached', scenario.name, c, 'requestsPerSecond') / peer,
          2,
        )} | ${fixed(median('ours-uncached', scenario.name, c, 'p99') / median('peer', scenario.name, c, 'p99'), 2)} |`,
      );
    }
  }
  out.push('', '## Cypher round trips per request', '', `| server | ${SCENARIOS.map((s) => s.name).join(' | ')} |`);
  out.push(`|---|${SCENARIOS.map(() => '---').join('|')}|`);
  for (const [kind, counts] of Object.entries(results.roundTrips)) {
    out.push(`| ${kind} | ${SCENARIOS.map((s) => counts[s.name]).join(' | ')} |`);
  }
  out.push('', '## Answer sizes (bytes)', '', `| server | ${SCENARIOS.map((s) => s.name).join(' | ')} |`);
  out.push(`|---|${SCENARIOS.map(() => '---').join('|')}|`);
  for (const [kind, sizes] of Object.entries(results.answerBytes)) {
    out.push(`| ${kind} | ${SCENARIOS.map((s) => sizes[s.name]).join(' | ')} |`);
  }
  out.push('', '## The scenarios', '');
  for (const scenario of SCENARIOS) {
    out.push(`- **${scenario.name}**: ${scenario.title}; the peer's equivalent is in \`bench/peer.ts\`.`);
  }
  out.push('', readFileSync(path.join(projectRoot, 'bench', 'notes.md'), 'utf8').trim(), '');
  return out.join('\n');
}
