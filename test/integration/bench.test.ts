// The benchmark's smoke run on the test Neo4j (and a first seed on a Neo4j of its own): every server answers every
// scenario cleanly, and the report is written; the servers compared run with Apollo's cache control off, as ours does.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ApolloServer } from '@apollo/server';
import { floorSchema } from '../../bench/floor.js';
import { PEER_OPERATIONS } from '../../bench/peer.js';
import { SCENARIOS } from '../../bench/scenarios.js';
import { startBenchServer } from '../../bench/server.js';
import type { BenchResults } from '../../bench/suite.js';
import { executeInProcess } from '../../src/api/server.js';
import { projectRoot } from '../../src/config.js';
import type { Graph } from '../../src/graph/driver.js';
import { resetGraph, testGraph } from '../helpers/graph.js';

describe('npm run bench -- --smoke', () => {
  let graph: Graph;
  const scratch = mkdtempSync(path.join(tmpdir(), 'coverage-graph-bench-test-'));
  before(async () => {
    graph = testGraph();
    // Refuses unless this is the tests' database; the benchmark then wipes it.
    await resetGraph(graph);
  });
  after(async () => {
    // The benchmark left its graph (and no test marker): empty it so later suites may reset it.
    await graph.write((run) => run('MATCH (n) DETACH DELETE n'));
    await resetGraph(graph);
    await graph.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('seeds, loads every server with every scenario without a failure, counts round trips, writes the report', () => {
    const out = path.join(scratch, 'BENCHMARKS.md');
    const json = path.join(scratch, 'results.json');
    const run = spawnSync(
      process.execPath,
      [path.join(projectRoot, 'dist', 'bench', 'run.js'), '--smoke', '--out', out, '--json', json],
      { encoding: 'utf8', env: process.env, timeout: 600_000 },
    );
    assert.equal(run.status, 0, run.stderr + run.stdout);
    const results = JSON.parse(readFileSync(json, 'utf8')) as BenchResults;
    const kinds = ['ours', 'ours-uncached', 'naive', 'peer', 'floor', 'floor-peer-cypher', 'floor-our-cypher'];
    for (const kind of kinds) {
      for (const scenario of SCENARIOS) {
        const rows = results.load.filter((l) => l.kind === kind && l.scenario === scenario.name);
        assert.deepEqual(
          rows.map((r) => r.connections),
          [1, 4],
        );
        for (const r of rows.flatMap((row) => row.runs)) {
          assert.ok(r.requests > 0 && r.requestsPerSecond > 0, `${kind} ${scenario.name} answered`);
          assert.equal(r.failures, 0, `${kind} ${scenario.name} without failures`);
        }
        assert.ok((results.answerBytes[kind]?.[scenario.name] ?? 0) > 0);
      }
    }
    for (const scenario of SCENARIOS) {
      // The floors serve our answers from memory: the same bytes as ours.
      for (const floor of ['floor', 'floor-peer-cypher', 'floor-our-cypher']) {
        assert.equal(
          results.answerBytes[floor]?.[scenario.name],
          results.answerBytes['ours-uncached']?.[scenario.name],
        );
      }
      assert.equal(results.roundTrips['ours (cached repeat)']?.[scenario.name], 1, 'a cached repeat reads the version');
      assert.equal(results.roundTrips.peer?.[scenario.name], 1, 'the peer compiles one statement');
    }
    // Batching: a page of techniques costs the naive resolvers a query per technique and field, ours one per level.
    assert.ok((results.roundTrips.naive?.techniquePage ?? 0) > (results.roundTrips.ours?.techniquePage ?? 0));
    const seedRuns = results.seed?.repeats ?? [];
    assert.equal(seedRuns.length, 1);
    assert.ok((seedRuns[0]?.full.graphNodes ?? 0) > 0 && results.seed?.naive !== null);
    assert.equal(seedRuns[0]?.reseed.graphNodes, seedRuns[0]?.full.graphNodes, 'a re-seed changes nothing');
    // The first seed after a Neo4j start, on a store of its own: the same data gives the same graph as the seed into
    // the emptied test database, and Neo4j's CPU is split by thread, the statements on its Bolt workers.
    const firstSeeds = results.firstSeeds?.runs ?? [];
    assert.equal(firstSeeds.length, 1);
    const first = firstSeeds[0];
    assert.equal(first?.graphNodes, seedRuns[0]?.full.graphNodes);
    assert.equal(first?.graphRelationships, seedRuns[0]?.full.graphRelationships);
    assert.ok((first?.startSeconds ?? 0) > 0 && (first?.seederCpuSeconds ?? 0) > 0, JSON.stringify(first));
    assert.ok((first?.neo4jCpuSeconds?.bolt ?? 0) > 0, JSON.stringify(first?.neo4jCpuSeconds));
    assert.ok(!existsSync(path.join(projectRoot, '.neo4j', 'first-seed')), 'its store is removed');
    assert.ok(!existsSync(path.join(projectRoot, '.neo4j', 'first-seed.lock')), 'its lock is released');
    const report = readFileSync(out, 'utf8');
    assert.match(report, /## First seed after Neo4j starts, on a new store/);
    for (const scenario of SCENARIOS) assert.ok(report.includes(scenario.title));
    assert.match(report, /SMOKE RUN/);
  });

  it('--first-seeds-only measures first seeds again and merges them into the results, keeping the rest', () => {
    const out = path.join(scratch, 'BENCHMARKS.md');
    const json = path.join(scratch, 'results.json');
    const earlier = JSON.parse(readFileSync(json, 'utf8')) as BenchResults;
    assert.ok(earlier.firstSeeds, 'the smoke run above wrote its first seeds');
    const run = spawnSync(
      process.execPath,
      [
        path.join(projectRoot, 'dist', 'bench', 'run.js'),
        '--smoke',
        '--first-seeds-only',
        '--out',
        out,
        '--json',
        json,
      ],
      { encoding: 'utf8', env: process.env, timeout: 600_000 },
    );
    assert.equal(run.status, 0, run.stderr + run.stdout);
    const merged = JSON.parse(readFileSync(json, 'utf8')) as BenchResults;
    assert.notEqual(merged.firstSeeds?.startedAt, earlier.firstSeeds.startedAt);
    assert.equal(merged.firstSeeds?.runs.length, 1);
    assert.equal(merged.firstSeeds?.runs[0]?.graphNodes, earlier.firstSeeds.runs[0]?.graphNodes);
    assert.deepEqual({ ...merged, firstSeeds: null }, { ...earlier, firstSeeds: null }, 'the rest as it was');
    const report = readFileSync(out, 'utf8');
    assert.ok(
      report.includes(`Measured on ${merged.firstSeeds?.startedAt} by \`npm run bench -- --smoke --first-seeds-only`),
    );
    for (const scenario of SCENARIOS) assert.ok(report.includes(scenario.title), 'the load tables are still there');

    // Without earlier results it stops before measuring anything, naming the file.
    const missing = path.join(scratch, 'none.json');
    const refused = spawnSync(
      process.execPath,
      [path.join(projectRoot, 'dist', 'bench', 'run.js'), '--smoke', '--first-seeds-only', '--json', missing],
      { encoding: 'utf8', env: process.env, timeout: 60_000 },
    );
    assert.equal(refused.status, 1);
    assert.ok(
      refused.stderr.includes(
        `--first-seeds-only merges into the results of an earlier run, and ${missing} cannot be read`,
      ),
      refused.stderr,
    );
    assert.ok(!refused.stdout.includes('first seed 1/1'), 'nothing was measured');
  });

  it("refuses to measure first seeds in a folder another live run holds, and leaves that run's folder alone", () => {
    const home = path.join(scratch, 'first-seed');
    mkdirSync(home);
    writeFileSync(path.join(home, 'store'), 'the other run');
    // This test's parent process stands for the other run: alive for as long as this test runs.
    writeFileSync(`${home}.lock`, `${process.ppid}\n`);
    const refused = spawnSync(
      process.execPath,
      [path.join(projectRoot, 'dist', 'bench', 'run.js'), '--smoke', '--out', path.join(scratch, 'locked.md')],
      { encoding: 'utf8', env: { ...process.env, NEO4J_FIRST_SEED_HOME: home }, timeout: 60_000 },
    );
    assert.equal(refused.status, 1, refused.stderr + refused.stdout);
    assert.ok(
      refused.stderr.includes(`Another benchmark (pid ${process.ppid}) is using ${home} for first seeds`) &&
        refused.stderr.includes(`${home}.lock`),
      refused.stderr,
    );
    assert.ok(!refused.stdout.includes('first seed 1/1'), 'nothing was measured');
    assert.equal(readFileSync(path.join(home, 'store'), 'utf8'), 'the other run');
    assert.equal(readFileSync(`${home}.lock`, 'utf8'), `${process.ppid}\n`);
    assert.equal(existsSync(path.join(scratch, 'locked.md')), false, 'no report written');
  });

  it('gives the floor with our Cypher, per request, the statements ours sends and nothing else', async () => {
    const floor = new ApolloServer({ ...(await floorSchema(graph, { ourCypher: true })) });
    await floor.start();
    try {
      for (const scenario of SCENARIOS) {
        const sentBy = async (execute: () => Promise<unknown>) => {
          const sent: { cypher: string; params: unknown }[] = [];
          const stop = graph.onQuery((cypher, params) => sent.push({ cypher, params }));
          try {
            await execute();
          } finally {
            stop();
          }
          return sent.map((statement) => JSON.stringify(statement)).sort();
        };
        // Two requests each: the statements run for every request, not once per server.
        const ours = await sentBy(async () => {
          for (let i = 0; i < 2; i++) await executeInProcess(graph, scenario.query, scenario.variables);
        });
        assert.ok(ours.length >= 2, scenario.name);
        const floorSent = await sentBy(async () => {
          for (let i = 0; i < 2; i++) {
            const response = await floor.executeOperation(
              { query: scenario.query, variables: scenario.variables },
              { contextValue: {} },
            );
            assert.equal(response.body.kind === 'single' && response.body.singleResult.errors, undefined);
          }
        });
        assert.deepEqual(floorSent, ours, scenario.name);
      }
    } finally {
      await floor.stop();
    }
  });

  it('runs the peer and the floors with Apollo cache control off, as ours runs', async () => {
    // Left on, the cache-control plugin wraps every field's resolver and marks each answer `no-store` (there are no
    // hints); it cost the floor a quarter of its throughput. Ours turns it off, so must the servers it is compared to.
    const scenario = SCENARIOS.find((s) => s.name === 'search');
    assert.ok(scenario);
    for (const kind of ['ours-uncached', 'peer', 'floor', 'floor-peer-cypher', 'floor-our-cypher'] as const) {
      const running = await startBenchServer(kind);
      try {
        const operation = kind === 'peer' ? PEER_OPERATIONS.search : scenario;
        const response = await fetch(running.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: operation.query, variables: operation.variables }),
        });
        const body = (await response.json()) as { errors?: unknown[] };
        assert.equal(response.status, 200, `${kind}: ${JSON.stringify(body)}`);
        assert.equal(body.errors, undefined, kind);
        assert.equal(response.headers.get('cache-control'), null, `${kind} answers without Apollo's cache control`);
      } finally {
        await running.stop();
      }
    }
  });
});
