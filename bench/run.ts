// `npm run bench`: seeding, queries under load against our API and its peers, round trips; writes BENCHMARKS.md.
import { cpus, totalmem } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    duration: { type: 'string', default: '5' },
    repeats: { type: 'string', default: '3' },
    connections: { type: 'string', default: '1,16,64' },
    'seed-repeats': { type: 'string', default: '3' },
    'skip-seed': { type: 'boolean', default: false },
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

async function main(): Promise<void> {
  const projectRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
  let stopNeo4j: (() => Promise<unknown>) | null = null;
  if (!process.env.NEO4J_URI) {
    // The benchmark's own instance: it is wiped, so never the one of `npm run neo4j` or of the tests.
    process.env.NEO4J_HOME = process.env.NEO4J_BENCH_HOME ?? path.join(projectRoot, '.neo4j', 'bench');
    process.env.NEO4J_BOLT_PORT = BENCH_BOLT_PORT;
    const local = await import('../src/neo4j/local.js');
    const { uri, alreadyRunning } = await local.startLocalNeo4j();
    process.env.NEO4J_URI = uri;
    // Its own instance: the benchmark may wipe it, and measures the CPU its JVM spends per request.
    process.env.BENCH_ALLOW_WIPE = '1';
    process.env.BENCH_NEO4J_PID_FILE = path.join(process.env.NEO4J_HOME, 'neo4j.pid');
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

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
