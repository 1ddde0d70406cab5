// The technique report on the real data: sections and layout of the reference, lists computed independently.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { projectRoot } from '../../src/config.js';
import type { Graph } from '../../src/graph/driver.js';
import { readFolder } from '../../src/seed/folder.js';
import { seed } from '../../src/seed/pipeline.js';
import { startTestServer, type TestServer } from '../helpers/api.js';
import { externalId, loadObjects } from '../helpers/bundles.js';
import { expectedCountermeasures } from '../helpers/d3fend-rule.js';
import { resetGraph, testGraph } from '../helpers/graph.js';
import { sharedData, skipWithoutSharedData } from '../helpers/paths.js';

const skip = skipWithoutSharedData();
const cli = path.join(projectRoot, 'dist', 'src', 'cli.js');
const ENTERPRISE = path.join(sharedData, 'attack', 'enterprise-attack.json');
const ONTOLOGY = path.join(sharedData, 'd3fend', 'd3fend.ttl');
const SIGMA = path.join(sharedData, 'sigma');
const REFERENCE = path.join(sharedData, '..', 'reference', 'technique-report-T1550.001.md');

/** A report's layout: list items, numbers, dates and the description replaced by placeholders. */
function layout(report: string): string[] {
  const body = report.replace(/<blockquote>[\s\S]*<\/blockquote>/, '<blockquote>…</blockquote>');
  const lines = body
    .split('\n')
    .map((l) => (l.startsWith('* ') ? '* …' : l))
    .map((l) => l.replace(/^(\*\*Last accessed:\*\*) .*$/, '$1 …').replace(/\*\* \d+$/, '** N'))
    .map((l) => l.replace(/^# T[\d.]+: .*$/, '# …').replace(/^(\*\*MITRE ATT&CK Tactic\(s\):\*\*) .*$/, '$1 …'))
    .map((l) => l.replace(/^(\*\*\[MITRE ATT&CK Description\])\(.*\)\*\*$/, '$1(…)**'));
  return lines.filter((l, i) => !(l === '* …' && lines[i - 1] === '* …'));
}

describe('the technique report on the real data', { skip }, () => {
  let graph: Graph;
  let api: TestServer;
  before(async () => {
    graph = testGraph();
    await resetGraph(graph);
    await seed(
      graph,
      { attack: [ENTERPRISE], d3fend: [ONTOLOGY], sigma: [{ name: 'sigmahq', location: SIGMA }] },
      { batchSize: 5000 },
    );
    api = await startTestServer(graph);
  });
  after(async () => {
    await api?.stop();
    await graph?.close();
  });

  it('has the layout of the reference, line for line, apart from list contents, numbers and dates', () => {
    const result = spawnSync(process.execPath, [cli, 'report', 'T1550.001'], { encoding: 'utf8', env: process.env });
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(layout(result.stdout.replace(/\n$/, '')), layout(readFileSync(REFERENCE, 'utf8')));
  });

  it('lists the countermeasures and rules an independent computation finds, and the same in GraphQL', async () => {
    const { data } = await api.gql('{ techniqueReport(id: "T1550.001") }');
    const report = (data as { techniqueReport: string }).techniqueReport;
    const d3fend = [...report.matchAll(/^\* \[.+\]\(https:\/\/d3fend\.mitre\.org\/techniques\/d3f:(.+)\)$/gm)].map(
      (m) => m[1],
    );
    assert.deepEqual(d3fend.sort(), expectedCountermeasures(ONTOLOGY).expectedLocalNames('T1550.001').sort());

    // Sigma: rules tagging T1550.001, or a technique it replaced (T1527), found by a plain scan of the files.
    const objects = loadObjects([ENTERPRISE]);
    const byStix = new Map(objects.map((o) => [o.id, o]));
    const replaced = objects
      .filter((o) => o.type === 'relationship' && o.relationship_type === 'revoked-by')
      .filter((r) => externalId(byStix.get(r.target_ref as string) ?? { type: '', id: '' }) === 'T1550.001')
      .map((r) => externalId(byStix.get(r.source_ref as string) ?? { type: '', id: '' }));
    const wanted = new Set(['T1550.001', ...replaced].map((id) => `attack.${id?.toLowerCase()}`));
    const files = (await readFolder(SIGMA, /\.ya?ml$/)).filter((f) =>
      [...f.text.matchAll(/^\s*-\s*(attack\.t[\d.]+)/gim)].some((m) => wanted.has((m[1] as string).toLowerCase())),
    );
    const sigma = [
      ...report.matchAll(/^\* \[sigma\/(.+)\]\(https:\/\/github\.com\/SigmaHQ\/sigma\/blob\/master\/(.+)\)$/gm),
    ];
    assert.deepEqual(sigma.map((m) => m[1]).sort(), files.map((f) => f.path).sort());
    assert.ok(sigma.every((m) => m[1] === m[2]));
    assert.match(
      report,
      new RegExp(`^\\*\\*ATT&CK-mapped resources for this \\(sub\\)technique:\\*\\* ${files.length}$`, 'm'),
    );
  });

  it('writes one report per current enterprise technique and an index with --all', () => {
    const out = mkdtempSync(path.join(tmpdir(), 'coverage-graph-reports-'));
    const result = spawnSync(process.execPath, [cli, 'report', '--all', '--out', out], {
      encoding: 'utf8',
      env: process.env,
    });
    assert.equal(result.status, 0, result.stderr);
    const current = loadObjects([ENTERPRISE]).filter(
      (o) => o.type === 'attack-pattern' && o.revoked !== true && o.x_mitre_deprecated !== true,
    );
    const files = readdirSync(out).sort();
    assert.deepEqual(files, [...current.map((o) => `${externalId(o)}.md`), 'index.md'].sort());
    assert.equal(
      readFileSync(path.join(out, 'index.md'), 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('* [')).length,
      current.length,
    );
  });

  it('answers null for an unknown technique and refuses what is not a technique id', async () => {
    const unknown = await api.gql('{ techniqueReport(id: "T9999") }');
    assert.deepEqual(unknown, { data: { techniqueReport: null } });
    const bad = await api.gql('{ techniqueReport(id: "G0016") }');
    assert.equal(bad.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
  });
});
