// The command line as a user runs it: seed errors leave the graph as it was; the local Neo4j commands.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { projectRoot } from '../../src/config.js';
import type { Graph } from '../../src/graph/driver.js';
import type { SeedReport } from '../../src/seed/pipeline.js';
import { fingerprint, resetGraph, testGraph } from '../helpers/graph.js';
import { fixture } from '../helpers/paths.js';

const cli = path.join(projectRoot, 'dist', 'src', 'cli.js');
const run = (args: string[], env: Record<string, string | undefined> = {}) =>
  spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });

describe('coverage-graph seed', () => {
  let graph: Graph;
  before(async () => {
    graph = testGraph();
    await resetGraph(graph);
  });
  after(() => graph?.close());

  it('loads a bundle, prints a summary and exits 0', async () => {
    const result = run(['seed', '--attack', fixture('attack', 'mini-enterprise.json')]);
    assert.equal(result.status, 0, result.stderr);
    assert.match(
      result.stderr,
      /^attack:enterprise-attack: 15 nodes, 16 edges, 0 nodes and 0 edges retired, 1 warnings, /m,
    );
    assert.match(
      result.stderr,
      /warning: .*mini-enterprise\.json: relationship--00000000-0000-4000-8000-000000001010: dangling reference/,
    );
    const [row] = await graph.read('MATCH (t:Technique) RETURN count(t) AS n');
    assert.equal(row?.n, 3);
  });

  it('stops on bad input with file, position and reason, exit 1, and the graph as it was', async () => {
    const before = await fingerprint(graph);
    const truncated = fixture('attack', 'truncated.json');
    const lines = readFileSync(truncated, 'utf8').split('\n');
    // The good bundle named first is not written either: every source is parsed before any write.
    const result = run(['seed', '--attack', fixture('attack', 'mini-enterprise-stix21.json'), '--attack', truncated]);
    assert.equal(result.status, 1);
    const last = result.stderr.trim().split('\n').at(-1) as string;
    const position = `line ${lines.length}, column ${(lines.at(-1) as string).length + 1}`;
    // The text after the reason is V8's own message, which varies between Node versions.
    assert.ok(
      last.startsWith(
        `seed failed, nothing was changed: ${truncated}: ${position}: not valid JSON: the text ends too early (truncated?) (`,
      ),
      last,
    );
    assert.deepEqual(await fingerprint(graph), before);
  });

  for (const [name, reason] of [
    ['missing-name.json', 'missing required field "name"'],
    ['not-a-bundle.json', 'not a STIX bundle'],
    ['no-such-file.json', 'no such file'],
    ['../d3fend/not-turtle.ttl', 'line 1: not valid Turtle: Unexpected literal'],
  ]) {
    it(`rejects ${name}: ${reason}`, async () => {
      const before = await fingerprint(graph);
      const option = (name as string).endsWith('.ttl') ? '--d3fend' : '--attack';
      const result = run(['seed', option, fixture('attack', name as string)]);
      assert.equal(result.status, 1);
      assert.ok(result.stderr.includes(`${fixture('attack', name as string)}: `), result.stderr);
      assert.ok(result.stderr.includes(reason as string), result.stderr);
      assert.deepEqual(await fingerprint(graph), before);
    });
  }

  it('keeps an ATT&CK release named on the command line, and refuses one whose release nobody names', async () => {
    const mini = fixture('attack', 'mini-enterprise.json');
    const before = await fingerprint(graph);
    const refused = run(['seed', '--attack-release', mini]);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /names no ATT&CK release .*: name it in front of the location, e\.g\. 18\.1=/);
    assert.ok(refused.stderr.includes(`${mini}: `), refused.stderr);
    assert.deepEqual(await fingerprint(graph), before);
    const stix21 = fixture('attack', 'mini-enterprise-stix21.json');
    const contradicted = run(['seed', '--attack-release', `9.9=${stix21}`]);
    assert.equal(contradicted.status, 1);
    assert.match(contradicted.stderr, /named release 9\.9, but the bundle says it is 18\.1/);
    assert.deepEqual(await fingerprint(graph), before);
    const kept = run(['seed', '--attack-release', `9.9=${mini}`]);
    assert.equal(kept.status, 0, kept.stderr);
    const [row] = await graph.read(
      `MATCH (d:Dataset {name: 'attack-release:enterprise-attack@9.9'})
       RETURN d.version AS version, COUNT { MATCH (t:TechniqueVersion {release: d.name}) } AS techniques`,
    );
    const bundle = JSON.parse(readFileSync(mini, 'utf8')) as { objects: { type: string }[] };
    assert.deepEqual(row, {
      version: '9.9',
      techniques: bundle.objects.filter((o) => o.type === 'attack-pattern').length,
    });
  });

  it('rejects unknown options with usage help, without a stack trace', () => {
    const result = run(['seed', '--atack', 'x.json']);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /^Unknown option '--atack'/);
    assert.match(result.stderr, /\nUsage: coverage-graph <command>/);
    assert.doesNotMatch(result.stderr, /\n\s+at /);
  });

  it('prints the usage for --help after any command', () => {
    for (const args of [
      ['seed', '--help'],
      ['layer', '-h'],
      ['report', '--help'],
    ]) {
      const result = run(args);
      assert.equal(result.status, 0, args.join(' '));
      assert.match(result.stdout, /^Usage: coverage-graph <command>/, args.join(' '));
    }
  });
});

describe('coverage-graph seed --json', () => {
  let graph: Graph;
  before(async () => {
    graph = testGraph();
    await resetGraph(graph);
  });
  after(() => graph?.close());

  /** STIX object types that become nodes: every other object of a bundle is a relationship or bookkeeping. */
  const NODE_TYPES = new Set([
    'x-mitre-tactic',
    'attack-pattern',
    'course-of-action',
    'intrusion-set',
    'malware',
    'tool',
    'campaign',
    'x-mitre-data-source',
    'x-mitre-data-component',
    'x-mitre-detection-strategy',
    'x-mitre-analytic',
    'x-mitre-asset',
  ]);

  it('writes the summary of the run: counts per source and of the links, seconds, peak memory', async () => {
    const out = path.join(mkdtempSync(path.join(tmpdir(), 'coverage-graph-seed-')), 'seed.json');
    const bundle = fixture('attack', 'mini-enterprise.json');
    const result = run([
      'seed',
      ...['--attack', bundle, '--d3fend', fixture('d3fend', 'mini.ttl')],
      ...['--sigma', `sigmahq=${fixture('sigma')}`, '--atomic', fixture('atomic'), '--json', out],
    ]);
    assert.equal(result.status, 0, result.stderr);
    const report = JSON.parse(readFileSync(out, 'utf8')) as SeedReport;

    // Counted here from the fixture and the graph, not from what the seeder says it did.
    const objects = (JSON.parse(readFileSync(bundle, 'utf8')) as { objects: { type: string }[] }).objects;
    const bundleNodes = objects.filter((o) => NODE_TYPES.has(o.type)).length;
    const inScope = async (pattern: string, scope: string) =>
      Number((await graph.read(`MATCH ${pattern} WHERE $scope IN x.scopes RETURN count(x) AS n`, { scope }))[0]?.n);
    const count = async (pattern: string) => Number((await graph.read(`MATCH ${pattern} RETURN count(*) AS n`))[0]?.n);
    const skippedSigmaFiles = readdirSync(fixture('sigma', 'z-broken')).length;

    assert.equal(report.sources[0]?.nodes, bundleNodes);
    assert.equal(report.sources[2]?.warnings, skippedSigmaFiles);
    for (const source of report.sources) {
      assert.equal(source.nodes, await inScope('(x)', source.scope), source.scope);
      assert.equal(source.edges, await inScope('()-[x]->()', source.scope), source.scope);
      assert.equal(source.parsed, source.nodes + source.edges, source.scope);
      assert.ok(source.readSeconds >= 0 && source.writeSeconds > 0, JSON.stringify(source));
    }
    assert.deepEqual(
      report.sources.map((s) => [s.scope, s.location, s.version, s.removedNodes, s.removedEdges]),
      [
        ['attack:enterprise-attack', bundle, null, 0, 0],
        ['d3fend', fixture('d3fend', 'mini.ttl'), null, 0, 0],
        ['sigma:sigmahq', fixture('sigma'), null, 0, 0],
        ['atomic', fixture('atomic'), null, 0, 0],
      ],
    );
    assert.deepEqual(report.links, {
      counters: await count('(:D3fendTechnique)-[:COUNTERS]->(:Technique)'),
      actsOn: await count('(:Technique)-[:ACTS_ON]->(:Artifact)'),
      sigmaDetects: await count('(:SigmaRule)-[:DETECTS]->(:Technique)'),
      sigmaTactics: await count('(:SigmaRule)-[:FOR_TACTIC]->(:Tactic)'),
      atomicTests: await count('(:AtomicTest)-[:TESTS]->(:Technique)'),
      // What the fixtures name but the bundle lacks: T9999 in D3FEND; T1548 and T9999 in Sigma or Atomic; the
      // tactic tags privilege-escalation and stealth; and the revoked T1527 that a Sigma rule tags.
      missingAttackIds: 1,
      unknownTechniqueIds: 2,
      unknownTacticTags: 2,
      revokedTechniqueTags: 1,
      // Every Technique gets its coverage facts.
      techniqueFacts: await count('(:Technique)'),
    });
    // Sources of unrelated labels are written at the same time: the write's wall time is at least the longest
    // source's and at most their sum (each rounded to the millisecond).
    const perSource = report.sources.map((s) => s.writeSeconds);
    assert.ok(report.writeSeconds >= Math.max(...perSource) - 0.002, JSON.stringify(report));
    assert.ok(report.writeSeconds <= perSource.reduce((a, b) => a + b, 0) + 0.002, JSON.stringify(report));
    const seconds = report.sources.reduce((sum, s) => sum + s.readSeconds, 0) + report.writeSeconds;
    assert.ok(report.totalSeconds > seconds + report.schemaSeconds + report.linkSeconds, JSON.stringify(report));

    // Not a terminal: plain lines (no cursor codes), one per source read and written, and the final table.
    assert.ok(!result.stderr.includes('\r') && !result.stderr.includes('\u001b['), 'no cursor codes');
    const counts = (n: number) => n.toLocaleString('en-US');
    for (const source of report.sources) {
      assert.ok(result.stderr.includes(`${source.scope}: parsed ${counts(source.parsed)} objects`), source.scope);
      assert.ok(result.stderr.includes(`${source.scope}: writing ${counts(source.parsed)} parsed objects`));
      const row = result.stderr.split('\n').find((line) => line.startsWith(`${source.scope} `));
      assert.deepEqual(row?.trim().split(/\s+/).slice(0, 6), [
        source.scope,
        counts(source.parsed),
        counts(source.nodes),
        counts(source.edges),
        counts(source.removedNodes + source.removedEdges),
        counts(source.warnings),
      ]);
    }
    const sigmaRow = result.stderr.split('\n').find((line) => line.startsWith('sigma:sigmahq '));
    assert.equal(sigmaRow?.trim().split(/\s+/)[6], counts(skippedSigmaFiles), 'the skipped files column');
    assert.match(result.stderr, /^source +parsed +nodes +edges +retired +warnings +skipped files +read s +write s$/m);
    const total = result.stderr.split('\n').find((line) => line.startsWith('total '));
    assert.equal(total?.trim().split(/\s+/)[2], counts(report.sources.reduce((sum, s) => sum + s.nodes, 0)));
    assert.ok(report.peakRssBytes > 20e6 && report.peakRssBytes < 2e9, String(report.peakRssBytes));
    // Reading and parsing alone keep the process busy; no process spends more CPU than its wall time on every core.
    assert.ok(report.cpuSeconds > 0, String(report.cpuSeconds));
    assert.ok(report.cpuSeconds <= report.totalSeconds * availableParallelism(), JSON.stringify(report));
  });

  it('writes no summary when the run fails', () => {
    const out = path.join(mkdtempSync(path.join(tmpdir(), 'coverage-graph-seed-')), 'seed.json');
    const result = run(['seed', '--attack', fixture('attack', 'truncated.json'), '--json', out]);
    assert.equal(result.status, 1);
    assert.equal(existsSync(out), false);
  });
});

describe('coverage-graph neo4j', () => {
  it('says so when asked to start a Neo4j that is already running', {
    skip: !process.env.NEO4J_HOME && 'no local Neo4j in use (NEO4J_HOME unset)',
  }, () => {
    const result = run(['neo4j', 'start']);
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout.trim(), `Neo4j is already running at ${process.env.NEO4J_URI}`);
    const status = run(['neo4j', 'status']);
    assert.equal(status.status, 0);
    assert.match(status.stdout, /^Neo4j is running at bolt:\/\/127\.0\.0\.1:\d+ \(pid \d+, home /);
  });

  it('says what to install when Java is missing', () => {
    const home = mkdtempSync(path.join(tmpdir(), 'coverage-graph-neo4j-'));
    const result = run(['neo4j', 'start'], { PATH: '/nonexistent', NEO4J_HOME: home, NEO4J_BOLT_PORT: '7699' });
    assert.equal(result.status, 1);
    assert.match(
      result.stderr,
      /^Java 17 or newer is needed to run the local Neo4j \(`java` was not found on the PATH\): install it with `apt-get install openjdk-17-jre-headless`/,
    );
  });

  it('reports a stopped instance', () => {
    const home = mkdtempSync(path.join(tmpdir(), 'coverage-graph-neo4j-'));
    const result = run(['neo4j', 'status'], { NEO4J_HOME: home });
    assert.equal(result.status, 3);
    assert.equal(result.stdout.trim(), 'Neo4j is not running');
  });
});

describe('coverage-graph serve', () => {
  it('answers /healthz, and on SIGTERM answers the request in flight, closes the driver and exits 0', async () => {
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, [cli, 'serve'], {
      env: { ...process.env, PORT: '4199', HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    for (let i = 0; i < 100 && !output.includes('coverage-graph API at'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.match(output, /coverage-graph API at http:\/\/127\.0\.0\.1:4199\/graphql/);
    assert.equal((await fetch('http://127.0.0.1:4199/healthz')).status, 200);
    // A request in flight when SIGTERM comes: its body is half sent, the rest follows the signal.
    const { connect } = await import('node:net');
    const body = JSON.stringify({ query: '{ technique(id: "T1550.001") { id } }' });
    const socket = connect(4199, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    let response = '';
    socket.on('data', (chunk) => {
      response += chunk;
    });
    const closed = new Promise((resolve) => socket.once('close', resolve));
    socket.write(
      `POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body.slice(0, 10)}`,
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 300));
    // (write, not end: a client that half-closes its side makes Node's server drop the request)
    socket.write(body.slice(10));
    await closed;
    assert.match(response, /^HTTP\/1\.1 200 /);
    assert.match(response, /"technique":/);
    // Drained, the driver closed: the process ends by itself, with 0.
    assert.equal(await exited, 0);
  });
});
