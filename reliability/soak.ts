// `npm run reliability:soak`: minutes of mixed load on the API with a re-seed in the middle; errors, the API's memory
// curve, and what Neo4j still holds open at the end.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { ownNeo4j, projectRoot, startApi } from './common.js';

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    connections: { type: 'string', default: '8' },
    fixtures: { type: 'boolean', default: false },
    out: { type: 'string', default: path.join('reliability', 'soak.json') },
  },
});

/** Resident memory of a process in MiB, from /proc (Linux). */
function rssMib(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? Number.NaN) / 1024;
}

async function main(): Promise<void> {
  const neo4j = await ownNeo4j();
  const { Graph } = await import('../src/graph/driver.js');
  const { assertWipeable, emptyDatabase, fixtureRequest, seedArgs, sharedRequest } = await import('../bench/seed.js');
  const { SCENARIOS } = await import('../bench/scenarios.js');
  const graph = new Graph();
  const request = args.fixtures
    ? fixtureRequest()
    : sharedRequest(process.env.SHARED_DATA ?? path.resolve(projectRoot, '..', 'shared', 'data'));
  const seed = () =>
    new Promise<number>((resolve, reject) => {
      const started = performance.now();
      const child = spawn(
        process.execPath,
        [path.join(projectRoot, 'dist', 'src', 'cli.js'), 'seed', ...seedArgs(request)],
        {
          stdio: ['ignore', 'ignore', 'inherit'],
        },
      );
      child.on('exit', (code) =>
        code === 0 ? resolve((performance.now() - started) / 1000) : reject(new Error(`seed exited with ${code}`)),
      );
    });
  const seconds = Number(args.minutes) * 60;
  try {
    await assertWipeable(graph, String(process.env.NEO4J_URI));
    await emptyDatabase(graph);
    await seed();
    const api = await startApi();
    const samples: { second: number; rssMib: number }[] = [];
    const started = performance.now();
    const elapsed = () => (performance.now() - started) / 1000;
    const pid = api.pid ?? 0;
    const sampler = setInterval(() => samples.push({ second: Math.round(elapsed()), rssMib: rssMib(pid) }), 10_000);
    let reseed: { at: number; seconds: number } | null = null;
    const reseedTimer = setTimeout(
      () => {
        const at = elapsed();
        seed().then((took) => {
          reseed = { at, seconds: took };
          console.log(`[soak] re-seed at ${at.toFixed(0)} s took ${took.toFixed(1)} s`);
        });
      },
      (seconds / 2) * 1000,
    );
    // Every scenario of the benchmark, in turn, on every connection.
    const result = await autocannon({
      url: api.url,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      requests: SCENARIOS.map((s) => ({ body: JSON.stringify({ query: s.query, variables: s.variables }) })),
      connections: Number(args.connections),
      duration: seconds,
    });
    clearInterval(sampler);
    clearTimeout(reseedTimer);
    while (reseed === null && elapsed() < seconds + 120) await new Promise((r) => setTimeout(r, 1000));
    // After the load: what Neo4j still has open besides this query.
    const [open] = await graph.read('SHOW TRANSACTIONS YIELD transactionId RETURN count(*) AS n');
    const firstHalf = samples.filter((s) => s.second <= seconds / 2 && s.second >= 60).map((s) => s.rssMib);
    const lastHalf = samples.filter((s) => s.second > seconds / 2).map((s) => s.rssMib);
    await api.stop();
    const summary = {
      startedAt: new Date(Date.now() - seconds * 1000).toISOString(),
      command: `npm run reliability:soak -- ${process.argv.slice(2).join(' ')}`.trim(),
      data: args.fixtures ? 'test fixtures' : 'all of ../shared/data',
      seconds,
      connections: Number(args.connections),
      requests: result.requests.total,
      requestsPerSecond: result.requests.average,
      non2xx: result.non2xx,
      errors: result.errors,
      timeouts: result.timeouts,
      latencyMs: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
      reseed,
      rss: samples,
      rssMaxFirstHalfMib: Math.max(...firstHalf),
      rssMaxLastHalfMib: Math.max(...lastHalf),
      neo4jOpenTransactionsAfter: Number(open?.n ?? 0) - 1,
    };
    writeFileSync(path.resolve(args.out), `${JSON.stringify(summary, null, 2)}\n`);
    console.log(
      `[soak] ${summary.requests} requests in ${seconds} s: ${summary.non2xx} non-2xx, ${summary.errors} errors, ` +
        `${summary.timeouts} timeouts; API RSS max ${summary.rssMaxFirstHalfMib.toFixed(0)} MiB (first half) / ` +
        `${summary.rssMaxLastHalfMib.toFixed(0)} MiB (second half); ${summary.neo4jOpenTransactionsAfter} transactions left open; wrote ${args.out}`,
    );
    const grew = summary.rssMaxLastHalfMib > summary.rssMaxFirstHalfMib * 1.25;
    if (summary.non2xx + summary.errors + summary.timeouts > 0 || grew || summary.neo4jOpenTransactionsAfter > 0) {
      process.exitCode = 1;
    }
  } finally {
    await graph.close();
    await neo4j.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
