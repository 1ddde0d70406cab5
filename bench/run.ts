// `npm run bench`: seeding, queries under load against our API and its peers, round trips; writes BENCHMARKS.md.
import { readFile, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { FirstSeedResult } from './first-seed.js';
import { lockFolder } from './lock.js';
import type { BenchResults } from './suite.js';

const { values: args } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    duration: { type: 'string', default: '5' },
    repeats: { type: 'string', default: '3' },
    connections: { type: 'string', default: '1,16,64' },
    'seed-repeats': { type: 'string', default: '3' },
    'skip-seed': { type: 'boolean', default: false },
    'first-seeds': { type: 'string' },
    'first-seeds-only': { type: 'boolean', default: false },
    scenarios: { type: 'string' },
    servers: { type: 'string' },
    out: { type: 'string', default: 'BENCHMARKS.md' },
    json: { type: 'string', default: 'bench-results.json' },
  },
});
const smoke = args.smoke;
const duration = Number(args.duration);
const repeats = smoke ? 1 : Number(args.repeats);
const connectionsList = smoke ? [1, 4] : args.connections.split(',').map(Number);

const BENCH_BOLT_PORT = process.env.NEO4J_BENCH_BOLT_PORT ?? '7690';
const FIRST_SEED_BOLT_PORT = Number(process.env.NEO4J_FIRST_SEED_BOLT_PORT ?? '7692');
const FIRST_SEED_HOME = process.env.NEO4J_FIRST_SEED_HOME;

async function main(): Promise<void> {
  const projectRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
  const ownNeo4j = !process.env.NEO4J_URI;
  const benchHome = process.env.NEO4J_BENCH_HOME ?? path.join(projectRoot, '.neo4j', 'bench');
  // Two runs on one Neo4j folder would wipe or stop each other's Neo4j: the second refuses before it measures.
  const benchLock = ownNeo4j && !args['first-seeds-only'] ? lockFolder(benchHome, "the benchmark's own Neo4j") : null;
  try {
    await measure(projectRoot, ownNeo4j, benchHome);
  } finally {
    benchLock?.release();
  }
}

async function measure(projectRoot: string, ownNeo4j: boolean, benchHome: string): Promise<void> {
  let stopNeo4j: (() => Promise<unknown>) | null = null;
  if (ownNeo4j) {
    // The benchmark's own instance: it is wiped, so never the one of `npm run neo4j` or of the tests. Set before
    // anything reads the configuration, which is read once.
    process.env.NEO4J_HOME = benchHome;
    process.env.NEO4J_BOLT_PORT = BENCH_BOLT_PORT;
  }
  // The results to merge into are read before minutes of measuring, so that a wrong --json fails at once.
  const earlier = args['first-seeds-only'] ? await readResults() : null;
  // First, while no Neo4j of the benchmark's runs: each repeat starts its own on a new store.
  const firstSeeds = await measureFirstSeeds(projectRoot);
  if (earlier) {
    await mergeFirstSeeds(earlier, firstSeeds);
    return;
  }
  if (ownNeo4j) {
    const local = await import('../src/neo4j/local.js');
    const { uri, alreadyRunning } = await local.startLocalNeo4j();
    process.env.NEO4J_URI = uri;
    // Its own instance: the benchmark may wipe it, and measures the CPU its JVM spends per request.
    process.env.BENCH_ALLOW_WIPE = '1';
    process.env.BENCH_NEO4J_PID_FILE = path.join(benchHome, 'neo4j.pid');
    if (!alreadyRunning) stopNeo4j = local.stopLocalNeo4j;
  }
  try {
    const { runBenchmark } = await import('./suite.js');
    await runBenchmark({
      smoke,
      duration,
      repeats,
      connections: connectionsList,
      seedRepeats: smoke ? 1 : Number(args['seed-repeats']),
      skipSeed: args['skip-seed'],
      firstSeeds,
      scenarios: args.scenarios?.split(',') ?? null,
      servers: args.servers?.split(',') ?? null,
      out: path.resolve(args.out),
      json: path.resolve(args.json),
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memoryBytes: totalmem() },
    });
  } finally {
    if (stopNeo4j) await stopNeo4j();
  }
}

/** The first seeds after a Neo4j start on a new store (`--first-seeds N`, 1 in a smoke run); null when N is 0. */
async function measureFirstSeeds(projectRoot: string): Promise<FirstSeedResult | null> {
  // A run that skips the seeding benchmark skips these too, unless they are asked for.
  const asked = args['first-seeds'] ?? (args['skip-seed'] ? '0' : '5');
  const repeats = smoke ? 1 : Number(asked);
  if (!Number.isInteger(repeats) || repeats < 0) throw new Error(`--first-seeds takes a count, not ${asked}`);
  if (repeats === 0) return null;
  const { benchFirstSeeds } = await import('./first-seed.js');
  const { fixtureRequest, sharedRequest } = await import('./seed.js');
  const { SHARED_DATA, benchCommand } = await import('./suite.js');
  const startedAt = new Date().toISOString();
  const home = path.resolve(FIRST_SEED_HOME ?? path.join(projectRoot, '.neo4j', 'first-seed'));
  // Each repeat stops the Neo4j in this folder and removes it: never while another run measures there.
  const lock = lockFolder(home, 'first seeds');
  try {
    const runs = await benchFirstSeeds({
      repeats,
      request: smoke ? fixtureRequest() : sharedRequest(SHARED_DATA),
      port: FIRST_SEED_BOLT_PORT,
      home,
      log: (line) => console.log(`[bench] ${line}`),
    });
    return { startedAt, command: benchCommand(), runs };
  } finally {
    lock.release();
  }
}

/** The results of an earlier run, from `--json`, for `--first-seeds-only`. */
async function readResults(): Promise<BenchResults> {
  const json = path.resolve(args.json);
  try {
    return JSON.parse(await readFile(json, 'utf8')) as BenchResults;
  } catch (error) {
    throw new Error(
      `--first-seeds-only merges into the results of an earlier run, and ${json} cannot be read: ${error}`,
    );
  }
}

/** `--first-seeds-only`: these first seeds replace those of the earlier results, and the report is rendered again. */
async function mergeFirstSeeds(results: BenchResults, firstSeeds: FirstSeedResult | null): Promise<void> {
  const { renderReport } = await import('./report.js');
  const merged = { ...results, firstSeeds };
  await writeFile(path.resolve(args.json), `${JSON.stringify(merged, null, 2)}\n`);
  await writeFile(path.resolve(args.out), renderReport(merged));
  console.log(`[bench] first seeds merged into ${args.json} and ${args.out}`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
