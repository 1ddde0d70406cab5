// The first seed after Neo4j starts on a new store: `neo4j start` in a new folder, one CLI seed, where the CPU went.
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { config, projectRoot } from '../src/config.js';
import { Graph } from '../src/graph/driver.js';
import type { SeedReport, SeedRequest } from '../src/seed/pipeline.js';
import { type JvmThreadKind, jvmCpuBetween, threadCpu } from './proc.js';
import { countGraph, runChild, type SeedRunFigures, seedArgs } from './seed.js';

export interface FirstSeedOptions {
  repeats: number;
  request: SeedRequest;
  /** The Bolt port of the Neo4j each repeat starts (its own: never one a user or the tests run). */
  port: number;
  /** Where each repeat's Neo4j keeps its store; emptied before and removed after each repeat. */
  home: string;
  log?: (line: string) => void;
}

/**
 * One repeat: a Neo4j started on a new store, then one full seed by the CLI. The figures it shares with the seeding
 * benchmark's runs mean what they mean there (the seed's wall time, its `--json` phases, the graph's counts).
 */
export type FirstSeedRun = Pick<
  SeedRunFigures,
  | 'wallSeconds'
  | 'totalSeconds'
  | 'schemaSeconds'
  | 'writeSeconds'
  | 'linkSeconds'
  | 'peakRssBytes'
  | 'graphNodes'
  | 'graphRelationships'
> & {
  /** `coverage-graph neo4j start` from spawn until Bolt answers. */
  startSeconds: number;
  /** The seeder's own CPU seconds (user + system). */
  seederCpuSeconds: number;
  /** CPU seconds of Neo4j's JVM while the seeder ran, by thread kind (bench/proc.ts); null without /proc. */
  neo4jCpuSeconds: Record<JvmThreadKind, number> | null;
};

export interface FirstSeedResult {
  /** When these repeats ran and the command that ran them (they may be merged into an older report). */
  startedAt: string;
  command: string;
  runs: FirstSeedRun[];
}

/**
 * Measures the first full seed after Neo4j starts, as a new user meets it: for each repeat, `coverage-graph neo4j
 * start` on an empty folder (a new store, a JVM that has compiled none of its code yet), one `coverage-graph seed
 * --json`, the graph counted, Neo4j stopped and its folder removed. Refuses a port already in use (`neo4j start` does).
 */
export async function benchFirstSeeds(options: FirstSeedOptions): Promise<FirstSeedRun[]> {
  const log = options.log ?? (() => {});
  const cli = path.join(projectRoot, 'dist', 'src', 'cli.js');
  const uri = `bolt://127.0.0.1:${options.port}`;
  const env = {
    ...process.env,
    NEO4J_HOME: options.home,
    NEO4J_BOLT_PORT: String(options.port),
    NEO4J_BOLT_HOST: '127.0.0.1',
    NEO4J_URI: uri,
    NEO4J_USER: config.neo4j.user,
    NEO4J_PASSWORD: config.neo4j.password,
  };
  const runs: FirstSeedRun[] = [];
  for (let i = 1; i <= options.repeats; i++) {
    // A Neo4j left running in this folder by an interrupted run is stopped before its store is removed.
    await runChild([cli, 'neo4j', 'stop'], env);
    await rm(options.home, { recursive: true, force: true });
    const startSeconds = await runChild([cli, 'neo4j', 'start'], env);
    try {
      const pid = Number((await readFile(path.join(options.home, 'neo4j.pid'), 'utf8')).trim());
      const out = path.join(options.home, 'first-seed.json');
      const before = threadCpu(pid);
      const wallSeconds = await runChild([cli, 'seed', ...seedArgs(options.request), '--json', out], env);
      const after = threadCpu(pid);
      const report = JSON.parse(await readFile(out, 'utf8')) as SeedReport;
      const graph = new Graph({ ...config.neo4j, uri });
      const counts = await countGraph(graph).finally(() => graph.close());
      const run: FirstSeedRun = {
        startSeconds,
        wallSeconds,
        totalSeconds: report.totalSeconds,
        schemaSeconds: report.schemaSeconds,
        writeSeconds: report.writeSeconds,
        linkSeconds: report.linkSeconds,
        peakRssBytes: report.peakRssBytes,
        seederCpuSeconds: report.cpuSeconds,
        neo4jCpuSeconds: after.size > 0 ? jvmCpuBetween(before, after) : null,
        ...counts,
      };
      runs.push(run);
      const cpu = run.neo4jCpuSeconds;
      log(
        `first seed ${i}/${options.repeats}: Neo4j started in ${startSeconds.toFixed(1)} s, seed ${wallSeconds.toFixed(1)} s` +
          (cpu ? `, Neo4j CPU ${total(cpu).toFixed(1)} s (C2 ${cpu.c2.toFixed(1)} s)` : '') +
          `, seeder CPU ${run.seederCpuSeconds.toFixed(1)} s`,
      );
    } finally {
      await runChild([cli, 'neo4j', 'stop'], env);
      await rm(options.home, { recursive: true, force: true });
    }
  }
  return runs;
}

/** All CPU seconds of a split by thread kind. */
export function total(cpu: Record<JvmThreadKind, number>): number {
  return Object.values(cpu).reduce((sum, seconds) => sum + seconds, 0);
}
