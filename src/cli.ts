#!/usr/bin/env node
// The command line: `coverage-graph neo4j | seed | serve`.
import { parseArgs } from 'node:util';
import { config } from './config.js';
import { SourceError } from './errors.js';
import { Graph } from './graph/driver.js';
import { runNeo4jCommand } from './neo4j/local.js';
import { defaultSources } from './seed/defaults.js';
import { seed } from './seed/pipeline.js';
import { terminalProgress } from './seed/progress.js';

const USAGE = `Usage: coverage-graph <command> [options]

Commands:
  neo4j start|stop|status   Run a local Neo4j 5.26 from Maven Central (Java 17 and Maven needed, no Docker)
  seed [--attack <file-or-url>]... [--d3fend <file-or-url>]
                            Load ATT&CK STIX bundles and the D3FEND ontology (Turtle) into Neo4j
                            (with no source named: the official URLs in seed/sources.yml)
       [--batch-size N] [--verbose]
  serve                     Start the GraphQL API (http://localhost:4000/graphql)
  up [seed options]         All in one: start the local Neo4j (unless NEO4J_URI is set), seed when sources are
                            given or nothing is loaded yet, then serve

Neo4j connection: NEO4J_URI, NEO4J_USER, NEO4J_PASSWORD (defaults bolt://127.0.0.1:7687, neo4j, coverage-graph).`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'neo4j':
      return runNeo4jCommand(rest);
    case 'seed':
      return seedCommand(rest);
    case 'serve':
      return serveCommand();
    case 'up':
      return upCommand(rest);
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      console.log(USAGE);
      return command === undefined ? 2 : 0;
    default:
      console.error(`Unknown command "${command}".\n\n${USAGE}`);
      return 2;
  }
}

const SEED_OPTIONS = {
  attack: { type: 'string', multiple: true },
  d3fend: { type: 'string', multiple: true },
  'batch-size': { type: 'string' },
  verbose: { type: 'boolean', default: false },
} as const;

async function seedCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: SEED_OPTIONS, strict: true });
  const named = Boolean(values.attack?.length || values.d3fend?.length);
  const request = named ? { attack: values.attack ?? [], d3fend: values.d3fend ?? [] } : defaultSources();
  if ((request.d3fend?.length ?? 0) > 1) {
    console.error('--d3fend takes one ontology; it was given several');
    return 2;
  }
  const batchSize = values['batch-size'] ? Number(values['batch-size']) : config.seed.batchSize;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    console.error(`--batch-size must be a positive integer, got "${values['batch-size']}"`);
    return 2;
  }
  const graph = new Graph();
  try {
    const { sources, links } = await seed(graph, request, { batchSize, progress: terminalProgress() });
    for (const summary of sources) {
      const shown = values.verbose ? summary.warnings : summary.warnings.slice(0, 5);
      for (const w of shown) console.error(`  warning: ${w.file}: ${w.where}: ${w.reason}`);
      if (shown.length < summary.warnings.length) {
        console.error(
          `  … ${summary.warnings.length - shown.length} more warnings for ${summary.scope} (--verbose lists all)`,
        );
      }
    }
    const missing = links.missingAttackIds;
    if (missing.length > 0) {
      const shown = values.verbose ? missing : missing.slice(0, 10);
      console.error(
        `  ATT&CK ids named by D3FEND but not in the loaded ATT&CK bundles (not linked): ${shown.join(', ')}` +
          (shown.length < missing.length ? ` … and ${missing.length - shown.length} more (--verbose lists all)` : ''),
      );
    }
    return 0;
  } catch (error) {
    if (error instanceof SourceError) {
      console.error(`seed failed, nothing was changed: ${error.message}`);
      return 1;
    }
    throw error;
  } finally {
    await graph.close();
  }
}

async function upCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: SEED_OPTIONS, strict: true });
  if (!process.env.NEO4J_URI) {
    const code = await runNeo4jCommand(['start']);
    if (code !== 0) return code;
  }
  const graph = new Graph();
  let loaded: boolean;
  try {
    const { hasAttackData } = await import('./graph/read.js');
    loaded = await hasAttackData(graph);
  } finally {
    await graph.close();
  }
  if (values.attack?.length || values.d3fend?.length || !loaded) {
    const code = await seedCommand(args);
    if (code !== 0) return code;
  } else {
    console.log('ATT&CK is already loaded: not seeding (name sources with --attack or --d3fend to reload)');
  }
  return serveCommand();
}

async function serveCommand(): Promise<number> {
  const { startServer } = await import('./api/server.js');
  const graph = new Graph();
  try {
    await graph.verify();
  } catch (error) {
    console.error(
      `warning: Neo4j at ${config.neo4j.uri} is not reachable yet (${(error as Error).message.split('\n')[0]}); /readyz says not ready until it is`,
    );
  }
  const running = await startServer(graph);
  console.log(`coverage-graph API at ${running.url}`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  await running.stop();
  await graph.close();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exitCode = 1;
  },
);
