#!/usr/bin/env node
// The command line: `coverage-graph neo4j | seed | serve`.
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { config } from './config.js';
import { SourceError } from './errors.js';
import { Graph } from './graph/driver.js';
import { runNeo4jCommand } from './neo4j/local.js';
import { defaultSources } from './seed/defaults.js';
import { type SeedRequest, seed, seedReport } from './seed/pipeline.js';
import { seedTable, terminalProgress } from './seed/progress.js';

const USAGE = `Usage: coverage-graph <command> [options]

Commands:
  neo4j start|stop|status   Run a local Neo4j 5.26 from Maven Central (Java 17 and Maven needed, no Docker)
  seed [--attack [<release>=]<file-or-url>]... [--d3fend <file-or-url>] [--sigma <name>=<folder>]...
       [--atomic <folder>] [--attack-release [<release>=]<file-or-url>]...
                            Load ATT&CK STIX bundles, the D3FEND ontology (Turtle), Sigma rule folders (each a
                            named source) and Atomic Red Team tests into Neo4j
                            (with no source named: the official URLs in seed/sources.yml)
       [--strict] [--batch-size N] [--verbose] [--json <file>]
                            --strict: a rule file that would be skipped fails the run, nothing written
                            --json: also write the run's summary (counts, seconds, peak memory) to <file>
                            --attack-release: keep only the catalogue of an ATT&CK release (older or newer) for
                            attackChanges; <release>= names the release when the bundle does not (mitre/cti)
  serve                     Start the GraphQL API (http://localhost:4000/graphql)
  report <T-id>...          Print the technique report (Markdown) of each technique
  report --all --out <dir> [--domain enterprise|mobile|ics]
                            Write one report per technique and an index.md
  layer [--score combined|sigma_rules|countermeasures|atomic_tests] [--domain enterprise|mobile|ics]
        [--platform P]... [--group G0016]... [--software S0002]... [--campaign C0024]... [--roll-up]
        [--sigma-min-level high]
                            Print an ATT&CK Navigator layer (JSON) of coverage: coverage-graph layer > layer.json
  import-layer <file> --name <claim>
                            Import an ATT&CK Navigator layer (a vendor's, an EDR's, a red team's) as a named
                            coverage claim, replacing a claim of that name
  log-sources <file.yml>    Declare the log sources collected (log_sources: [{product, category, service}]),
                            replacing the previous declaration: coverage then tells rules that can fire
  up [seed options]         All in one: start the local Neo4j (unless NEO4J_URI is set), seed when sources are
                            given or nothing is loaded yet, then serve

Neo4j connection: NEO4J_URI, NEO4J_USER, NEO4J_PASSWORD (defaults bolt://127.0.0.1:7687, neo4j, coverage-graph).`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command !== undefined && (rest.includes('--help') || rest.includes('-h'))) {
    console.log(USAGE);
    return 0;
  }
  switch (command) {
    case 'neo4j':
      return runNeo4jCommand(rest);
    case 'seed':
      return seedCommand(rest);
    case 'serve':
      return serveCommand();
    case 'up':
      return upCommand(rest);
    case 'report':
      return reportCommand(rest);
    case 'layer':
      return layerCommand(rest);
    case 'log-sources':
      return logSourcesCommand(rest);
    case 'import-layer':
      return importLayerCommand(rest);
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
  'attack-release': { type: 'string', multiple: true },
  d3fend: { type: 'string', multiple: true },
  sigma: { type: 'string', multiple: true },
  atomic: { type: 'string', multiple: true },
  strict: { type: 'boolean', default: false },
  'batch-size': { type: 'string' },
  verbose: { type: 'boolean', default: false },
  json: { type: 'string' },
} as const;

async function seedCommand(args: string[], options: { emptyGraph?: boolean } = {}): Promise<number> {
  const { values } = parseArgs({ args, options: SEED_OPTIONS, strict: true });
  const sigma: { name: string; location: string }[] = [];
  for (const value of values.sigma ?? []) {
    const at = value.indexOf('=');
    const name = value.slice(0, at);
    if (at < 1 || !/^[a-z0-9][a-z0-9_.-]*$/i.test(name) || at === value.length - 1) {
      console.error(
        `--sigma takes <name>=<folder>, e.g. --sigma sigmahq=./sigma or --sigma acme=./our-rules; got "${value}"`,
      );
      return 2;
    }
    sigma.push({ name, location: value.slice(at + 1) });
  }
  const releases = values['attack-release'] ?? [];
  const named = Boolean(values.attack?.length || values.d3fend?.length || sigma.length || values.atomic?.length);
  // Release catalogues alone add to the graph; with no other source named, nothing else is reloaded (unless the
  // graph is empty: `up` on a fresh database loads the defaults too).
  const request: SeedRequest = named
    ? { attack: values.attack ?? [], d3fend: values.d3fend ?? [], sigma, atomic: values.atomic ?? [] }
    : releases.length > 0 && !options.emptyGraph
      ? { attack: [] }
      : defaultSources();
  request.attackReleases = releases;
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
    const result = await seed(graph, request, { batchSize, progress: terminalProgress(), strict: values.strict });
    const { sources, links } = result;
    console.error(`\n${seedTable(sources, result.writeSeconds)}\n`);
    for (const summary of sources) {
      // Every skipped file is listed; other warnings are shortened unless --verbose.
      for (const w of summary.warnings.filter((w) => w.skipped)) {
        console.error(`  skipped: ${w.file}: ${w.where}: ${w.reason}`);
      }
      const others = summary.warnings.filter((w) => !w.skipped);
      const shown = values.verbose ? others : others.slice(0, 5);
      for (const w of shown) console.error(`  warning: ${w.file}: ${w.where}: ${w.reason}`);
      if (shown.length < others.length) {
        console.error(`  … ${others.length - shown.length} more warnings for ${summary.scope} (--verbose lists all)`);
      }
    }
    const report = (what: string, ids: string[]) => {
      if (ids.length === 0) return;
      const shown = values.verbose ? ids : ids.slice(0, 10);
      console.error(
        `  ${what} (not linked): ${shown.join(', ')}` +
          (shown.length < ids.length ? ` … and ${ids.length - shown.length} more (--verbose lists all)` : ''),
      );
    };
    report('ATT&CK ids named by D3FEND but not in the loaded ATT&CK bundles', links.missingAttackIds);
    report('technique ids of Sigma rules or Atomic tests not in the loaded ATT&CK bundles', links.unknownTechniqueIds);
    report('tactic tags of Sigma rules that name no Enterprise tactic', links.unknownTacticTags);
    if (links.revokedTechniqueTags.length > 0) {
      console.error(
        `  Sigma tags naming revoked techniques (linked to the replacements too): ${links.revokedTechniqueTags.join(', ')}`,
      );
    }
    if (values.json) {
      // Measured last, so all cover the whole process (performance.now() counts from its start; maxRSS is in KiB, the
      // CPU times in microseconds).
      const usage = process.resourceUsage();
      const measured = {
        totalSeconds: performance.now() / 1000,
        peakRssBytes: usage.maxRSS * 1024,
        cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6,
      };
      try {
        await writeFile(values.json, `${JSON.stringify(seedReport(result, measured), null, 2)}\n`);
      } catch (error) {
        console.error(`seeded, but could not write the --json summary: ${(error as Error).message}`);
        return 1;
      }
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

async function reportCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { all: { type: 'boolean', default: false }, out: { type: 'string' }, domain: { type: 'string' } },
    allowPositionals: true,
    strict: true,
  });
  if (values.all === positionals.length > 0 || (values.all && !values.out)) {
    console.error(
      'Usage: coverage-graph report <T-id>...  |  coverage-graph report --all --out <dir> [--domain enterprise]',
    );
    return 2;
  }
  const bad = positionals.find((id) => !/^T\d{4}(\.\d{3})?$/i.test(id));
  if (bad) {
    console.error(`not an ATT&CK technique id: "${bad}" (expected e.g. T1550.001)`);
    return 2;
  }
  const { readReportData, readTechniqueIds } = await import('./graph/read-report.js');
  const { renderTechniqueReport } = await import('./report/technique.js');
  const graph = new Graph();
  try {
    const domain = `${values.domain ?? 'enterprise'}-attack`;
    const ids = values.all ? await readTechniqueIds(graph, domain) : positionals.map((id) => id.toUpperCase());
    const reports = await readReportData(graph, ids);
    if (!values.all) {
      const missing = ids.filter((_, i) => reports[i] === null);
      for (const report of reports) if (report) process.stdout.write(`${renderTechniqueReport(report)}\n`);
      if (missing.length > 0) console.error(`unknown techniques: ${missing.join(', ')}`);
      return missing.length > 0 ? 1 : 0;
    }
    const { mkdir, writeFile } = await import('node:fs/promises');
    const path = await import('node:path');
    await mkdir(values.out as string, { recursive: true });
    const index = [`# Technique reports (${domain})`, ''];
    for (const report of reports) {
      if (!report) continue;
      await writeFile(path.join(values.out as string, `${report.id}.md`), renderTechniqueReport(report));
      index.push(
        `* [${report.id}: ${report.name}](${report.id}.md): ${report.d3fend.countermeasures.length} countermeasures, ` +
          `${report.sigma.rules.length} Sigma rules, ${report.atomic.tests.length} Atomic tests`,
      );
    }
    await writeFile(path.join(values.out as string, 'index.md'), `${index.join('\n')}\n`);
    console.error(`wrote ${index.length - 2} reports and index.md to ${values.out}`);
    return 0;
  } finally {
    await graph.close();
  }
}

/**
 * A file read and parsed before anything is written; on bad content or a file that cannot be read (missing, a
 * folder, no permission) prints `<command> failed, nothing was changed: <file>: <position>: <reason>` and gives null.
 */
async function readParsed<T>(
  command: string,
  file: string,
  parse: (text: string, file: string) => T,
): Promise<T | null> {
  const { readFile } = await import('node:fs/promises');
  try {
    return parse(await readFile(file, 'utf8'), file);
  } catch (error) {
    if (error instanceof SourceError || typeof (error as NodeJS.ErrnoException).code === 'string') {
      console.error(`${command} failed, nothing was changed: ${(error as Error).message}`);
      return null;
    }
    throw error;
  }
}

/** `import-layer <file> --name <claim>`: imports a Navigator layer as a named coverage claim (replacing one). */
async function importLayerCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { name: { type: 'string' } },
    allowPositionals: true,
    strict: true,
  });
  const name = values.name?.trim() ?? '';
  if (positionals.length !== 1 || name === '' || name.length > 100) {
    console.error(`import-layer takes one layer file and --name <claim> (1 to 100 characters)\n\n${USAGE}`);
    return 2;
  }
  const file = positionals[0] as string;
  const { parseNavigatorLayer } = await import('./seed/layer.js');
  const { writeClaim } = await import('./graph/claims.js');
  const layer = await readParsed('import-layer', file, parseNavigatorLayer);
  if (layer === null) return 1;
  const graph = new Graph();
  try {
    const claim = await writeClaim(graph, name, layer, file);
    console.log(
      `claim "${claim.name}": ${claim.entries} entries, ${claim.claimed} techniques claimed as covered` +
        (claim.unknownTechniqueIds.length > 0
          ? `; not in the loaded ${claim.domain} (not linked): ${claim.unknownTechniqueIds.join(', ')}`
          : ''),
    );
  } finally {
    await graph.close();
  }
  return 0;
}

/** `log-sources <file.yml>`: replaces the declared log-source inventory with the file's; nothing changes on bad input. */
async function logSourcesCommand(args: string[]): Promise<number> {
  const { positionals } = parseArgs({ args, options: {}, allowPositionals: true, strict: true });
  if (positionals.length !== 1) {
    console.error(`log-sources takes one YAML file of log sources; got ${positionals.length}\n\n${USAGE}`);
    return 2;
  }
  const file = positionals[0] as string;
  const { parseInventory, logSourceKey } = await import('./report/logsources.js');
  const { writeInventory } = await import('./graph/logsources.js');
  const entries = await readParsed('log-sources', file, parseInventory);
  if (entries === null) return 1;
  const graph = new Graph();
  try {
    await writeInventory(graph, entries, logSourceKey);
  } finally {
    await graph.close();
  }
  console.log(`log-source inventory: ${entries.length} log sources from ${file}`);
  return 0;
}

async function layerCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      score: { type: 'string', default: 'combined' },
      domain: { type: 'string', default: 'enterprise' },
      platform: { type: 'string', multiple: true },
      group: { type: 'string', multiple: true },
      software: { type: 'string', multiple: true },
      campaign: { type: 'string', multiple: true },
      'roll-up': { type: 'boolean', default: false },
      'sigma-min-level': { type: 'string' },
    },
    strict: true,
  });
  const filter = {
    domain: values.domain.toUpperCase(),
    platforms: values.platform,
    groups: values.group,
    software: values.software,
    campaigns: values.campaign,
    rollUpSubtechniques: values['roll-up'],
    sigmaMinLevel: values['sigma-min-level']?.toUpperCase(),
  };
  const { executeInProcess } = await import('./api/server.js');
  const graph = new Graph();
  try {
    const data = await executeInProcess(
      graph,
      'query($filter: CoverageFilter, $score: LayerScore) { navigatorLayer(filter: $filter, score: $score) }',
      { filter, score: values.score.toUpperCase() },
    );
    process.stdout.write(`${data.navigatorLayer}\n`);
    return 0;
  } catch (error) {
    console.error(`layer failed: ${(error as Error).message}`);
    return 1;
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
    const { hasAttackData } = await import('./graph/read-state.js');
    loaded = await hasAttackData(graph);
  } finally {
    await graph.close();
  }
  const named = [values.attack, values.d3fend, values.sigma, values.atomic, values['attack-release']];
  if (named.some((list) => (list?.length ?? 0) > 0) || !loaded) {
    const code = await seedCommand(args, { emptyGraph: !loaded });
    if (code !== 0) return code;
  } else {
    console.log('ATT&CK is already loaded: not seeding (name sources with --attack or --d3fend to reload)');
  }
  return serveCommand();
}

async function serveCommand(): Promise<number> {
  const { startServer, warmUp } = await import('./api/server.js');
  const { weightsInForce } = await import('./api/weights.js');
  try {
    // A bad weights file stops the start, not the first request that asks for a score.
    weightsInForce();
  } catch (error) {
    console.error(`SCORE_WEIGHTS_FILE: ${(error as Error).message}`);
    return 1;
  }
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
  // In the background: the first visitor of the coverage page should not wait for Neo4j to plan its statements.
  void warmUp(running, graph);
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
    // A mistyped option is the user's mistake, not a crash: the reason and the usage, no stack.
    if (String((error as { code?: unknown })?.code).startsWith('ERR_PARSE_ARGS_')) {
      console.error(`${(error as Error).message}\n\n${USAGE}`);
      process.exitCode = 2;
      return;
    }
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exitCode = 1;
  },
);
