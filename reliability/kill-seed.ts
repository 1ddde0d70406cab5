// `npm run reliability:kill`: the seeder killed with SIGKILL at random points, then run again; every final graph is
// compared with an uninterrupted seed's fingerprint, while an API server keeps answering throughout.
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { SeedRequest } from '../src/seed/pipeline.js';
import { ApiProbe, ownNeo4j, type ProbeResult, projectRoot, random } from './common.js';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '20' },
    fixtures: { type: 'boolean', default: false },
    'random-seed': { type: 'string', default: String(Date.now() % 100_000) },
    out: { type: 'string', default: path.join('reliability', 'kill-seed.json') },
  },
});

interface KillRun {
  run: number;
  /** The graph the interrupted seed started from. */
  start: 'empty' | 'seeded';
  killAfterSeconds: number;
  /** False when the seeder had finished before the kill was due. */
  killed: boolean;
  /** The seeder's last progress line before the kill: where it was. */
  phase: string;
  identical: boolean;
  /** The fingerprint's hash after the run's second seed. */
  hash: string;
  counts: Record<string, number>;
  /** When not identical: lines of the fingerprint only in the reference (-) or only after this run (+). */
  differences: string[];
}

async function main(): Promise<void> {
  const neo4j = await ownNeo4j();
  // Imported once the environment names the Neo4j to use (the configuration is read at import).
  const { Graph } = await import('../src/graph/driver.js');
  const { assertWipeable, emptyDatabase, fixtureRequest, seedArgs, sharedRequest } = await import('../bench/seed.js');
  const { fingerprint, fingerprintLines } = await import('../test/helpers/graph.js');
  const seedToEnd = (request: SeedRequest) => runSeed(seedArgs(request));
  const seedKilledAfter = (request: SeedRequest, seconds: number) => runSeedKilledAfter(seedArgs(request), seconds);
  const graph = new Graph();
  const request: SeedRequest = args.fixtures
    ? fixtureRequest()
    : sharedRequest(process.env.SHARED_DATA ?? path.resolve(projectRoot, '..', 'shared', 'data'));
  const runs = Number(args.runs);
  const next = random(Number(args['random-seed']));
  const probe = new ApiProbe();
  try {
    await assertWipeable(graph, String(process.env.NEO4J_URI));
    // How long a seed takes from an empty graph and onto a seeded one (each after a first, warming seed), so that
    // kills fall anywhere within either; the reference fingerprint is the uninterrupted seed's.
    const timed = async () => {
      const started = performance.now();
      await seedToEnd(request);
      return (performance.now() - started) / 1000;
    };
    await emptyDatabase(graph);
    await timed();
    await emptyDatabase(graph);
    const fromEmptySeconds = await timed();
    const reference = await fingerprint(graph);
    const referenceLines = new Set((await fingerprintLines(graph)).lines);
    const fromSeededSeconds = await timed();
    const reseedIdentical = (await fingerprint(graph)).hash === reference.hash;
    console.log(
      `[kill] reference: seed from empty ${fromEmptySeconds.toFixed(1)} s, onto a seeded graph ${fromSeededSeconds.toFixed(1)} s ` +
        `(${reseedIdentical ? 'identical' : 'DIFFERENT'}), ${reference.hash.slice(0, 12)}`,
    );
    await probe.start();

    const results: KillRun[] = [];
    const startedAt = new Date().toISOString();
    /** The results so far; written after every run, so that a run stopped early still leaves them. */
    const report = (api: ProbeResult | null) => ({
      startedAt,
      command: `npm run reliability:kill -- ${process.argv.slice(2).join(' ')}`.trim(),
      data: args.fixtures ? 'test fixtures' : 'all of ../shared/data',
      randomSeed: Number(args['random-seed']),
      fromEmptySeconds,
      fromSeededSeconds,
      reseedIdentical,
      reference: { hash: reference.hash, counts: reference.counts },
      runs: results,
      killedRuns: results.filter((r) => r.killed).length,
      identicalRuns: results.filter((r) => r.identical).length,
      api,
    });
    for (let run = 1; run <= runs; run++) {
      const start = run % 2 === 1 ? 'empty' : 'seeded';
      if (start === 'empty') await emptyDatabase(graph);
      // Anywhere from the first statement to the end of such a seed.
      const killAfterSeconds = next() * (start === 'empty' ? fromEmptySeconds : fromSeededSeconds);
      const { killed, phase } = await seedKilledAfter(request, killAfterSeconds);
      await seedToEnd(request);
      const after = await fingerprint(graph);
      // The hash covers every node and relationship (sorted lines); counts compared key by key, whatever their order.
      const identical =
        after.hash === reference.hash &&
        Object.keys({ ...after.counts, ...reference.counts }).every((k) => after.counts[k] === reference.counts[k]);
      // What differs, when something does: the first few lines on either side.
      const differences: string[] = [];
      if (!identical) {
        const lines = (await fingerprintLines(graph)).lines;
        const now = new Set(lines);
        differences.push(
          ...[...referenceLines].filter((l) => !now.has(l)).map((l) => `- ${l.slice(0, 300)}`),
          ...lines.filter((l) => !referenceLines.has(l)).map((l) => `+ ${l.slice(0, 300)}`),
        );
      }
      results.push({
        run,
        start,
        killAfterSeconds,
        killed,
        phase,
        identical,
        hash: after.hash,
        counts: after.counts,
        differences: differences.slice(0, 10),
      });
      writeFileSync(path.resolve(args.out), `${JSON.stringify(report(null), null, 2)}\n`);
      console.log(
        `[kill] run ${run}/${runs} from ${start}: ${killed ? `killed after ${killAfterSeconds.toFixed(1)} s (${phase})` : 'finished before the kill'}; then seeded again: ${identical ? 'identical' : 'DIFFERENT'}`,
      );
    }
    const api = await probe.stop();
    const summary = report(api);
    writeFileSync(path.resolve(args.out), `${JSON.stringify(summary, null, 2)}\n`);
    console.log(
      `[kill] ${summary.identicalRuns}/${runs} runs identical to the uninterrupted seed (${summary.killedRuns} killed mid-seed); ` +
        `API: ${api.answered} answered, ${api.failed} failed while seeds ran; wrote ${args.out}`,
    );
    if (summary.identicalRuns !== runs || !reseedIdentical || api.failed > 0) process.exitCode = 1;
  } finally {
    await probe.stop();
    await graph.close();
    await neo4j.stop();
  }
}

const cli = path.join(projectRoot, 'dist', 'src', 'cli.js');

/** Runs the seeder to its end; rejects with its output if it fails. */
function runSeed(seedArgs: string[]): Promise<void> {
  const child = spawn(process.execPath, [cli, 'seed', ...seedArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
  const output = tail(child);
  return new Promise((resolve, reject) => {
    child.on('exit', (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`seed exited with ${signal ?? code}:\n${output()}`)),
    );
  });
}

/** Starts the seeder and kills it with SIGKILL after `seconds`, unless it ends first. */
function runSeedKilledAfter(seedArgs: string[], seconds: number): Promise<{ killed: boolean; phase: string }> {
  const child = spawn(process.execPath, [cli, 'seed', ...seedArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
  const output = tail(child);
  const timer = setTimeout(() => child.kill('SIGKILL'), seconds * 1000);
  return new Promise((resolve, reject) => {
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const lines = output().trim().split('\n');
      const phase = (lines[lines.length - 1] ?? '').trim().slice(0, 120);
      if (signal === 'SIGKILL') resolve({ killed: true, phase });
      else if (code === 0) resolve({ killed: false, phase: 'finished' });
      else reject(new Error(`seed exited with ${code} before the kill:\n${output()}`));
    });
  });
}

/** The last 4 kB a child wrote to stdout and stderr. */
function tail(child: ChildProcess): () => string {
  let text = '';
  const keep = (chunk: Buffer) => {
    text = (text + chunk.toString('utf8')).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return () => text;
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
