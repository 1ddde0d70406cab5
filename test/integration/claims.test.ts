// Coverage claims on the real data: a Navigator layer imported as a claim, counted beside the rules, reconciled with
// them; expected values computed here from the layer, the bundle and the rule files.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { projectRoot } from '../../src/config.js';
import type { Graph } from '../../src/graph/driver.js';
import { seed } from '../../src/seed/pipeline.js';
import { startTestServer, type TestServer } from '../helpers/api.js';
import { externalId, loadObjects } from '../helpers/bundles.js';
import { readSigmaDocuments, revocationChains } from '../helpers/evidence.js';
import { resetGraph, testGraph } from '../helpers/graph.js';
import { fixture, sharedData, skipWithoutSharedData } from '../helpers/paths.js';

const skip = skipWithoutSharedData();
const ENTERPRISE = path.join(sharedData, 'attack', 'enterprise-attack.json');
const SIGMA = path.join(sharedData, 'sigma');
const LAYER = fixture('layers', 'edr.json');
const KEY = 'another-test-key-of-16-characters-or-more';
const cli = path.join(projectRoot, 'dist', 'src', 'cli.js');

interface Entry {
  techniqueID: string;
  tactic?: string;
  score?: number;
  color?: string;
  comment?: string;
  enabled?: boolean;
}

describe('coverage claims on the real data', { skip }, () => {
  let graph: Graph;
  let api: TestServer;
  let keyed: TestServer;
  const objects = skip ? [] : loadObjects([ENTERPRISE]);
  const current = objects.filter((o) => o.type === 'attack-pattern' && !o.revoked && !o.x_mitre_deprecated);
  const currentIds = new Set(current.map((t) => externalId(t) as string));
  const entries = (JSON.parse(readFileSync(LAYER, 'utf8')) as { techniques: Entry[] }).techniques;
  // The documented rule, restated: enabled, and a score above 0, or no score but a colour; a revoked id counts for
  // the current techniques that replace it, a deprecated or unknown one for none.
  const reached = skip ? () => [] : revocationChains(objects);
  const currentOf = (id: string) => reached(id.toUpperCase()).filter((x) => currentIds.has(x));
  const claimed = new Set(
    entries
      .filter((e) => e.enabled !== false && (typeof e.score === 'number' ? e.score > 0 : Boolean(e.color)))
      .flatMap((e) => currentOf(e.techniqueID)),
  );
  const unknownIds = [...new Set(entries.map((e) => e.techniqueID.toUpperCase()))]
    .filter((id) => currentOf(id).length === 0)
    .sort();
  const detected = new Set<string>();

  before(async () => {
    for (const rule of await readSigmaDocuments(SIGMA)) {
      if (!['stable', 'test', 'experimental'].includes(rule.status)) continue;
      for (const id of rule.techniqueIds.flatMap(reached)) detected.add(id);
    }
    graph = testGraph();
    await resetGraph(graph);
    await seed(graph, { attack: [ENTERPRISE], sigma: [{ name: 'sigmahq', location: SIGMA }] }, { batchSize: 5000 });
    api = await startTestServer(graph);
    keyed = await startTestServer(graph, { apiKeys: [KEY] });
  });
  after(async () => {
    await api?.stop();
    await keyed?.stop();
    await graph?.close();
  });

  it('imports a layer from the command line, refusing a broken one with the file, position and reason', () => {
    for (const [name, reason] of [
      ['bad-json.json', /bad-json\.json: line 5, column 3: not valid JSON/],
      [
        'bad-domain.json',
        /bad-domain\.json: domain: "domain" must be one of enterprise-attack, mobile-attack, ics-attack/,
      ],
    ] as const) {
      const bad = spawnSync(process.execPath, [cli, 'import-layer', fixture('layers', name), '--name', 'edr'], {
        encoding: 'utf8',
      });
      assert.equal(bad.status, 1, bad.stderr);
      assert.match(bad.stderr, /^import-layer failed, nothing was changed: /);
      assert.match(bad.stderr, reason);
    }
    const good = spawnSync(process.execPath, [cli, 'import-layer', LAYER, '--name', 'edr'], { encoding: 'utf8' });
    assert.equal(good.status, 0, good.stderr);
    assert.equal(
      good.stdout.trim(),
      `claim "edr": ${entries.length} entries, ${claimed.size} techniques claimed as covered; ` +
        `not in the loaded enterprise-attack (not linked): ${unknownIds.join(', ')}`,
    );
  });

  it('counts what the claim claims beside the rules, per tactic, with and without roll-up', async () => {
    const { data, errors } = await api.gql(`{
      flat: coverage(filter: {claims: ["edr"]}) { totals { techniques claimed } tactics { tactic { shortname } counts { claimed } } }
      rolled: coverage(filter: {claims: ["edr"], rollUpSubtechniques: true}) { totals { claimed } }
      none: coverage { totals { claimed } }
      claims: coverageClaims { name layerName domain entries claimed unknownTechniqueIds }
    }`);
    assert.equal(errors, undefined, JSON.stringify(errors));
    type Totals = { techniques: number; claimed: number };
    const result = data as {
      flat: { totals: Totals; tactics: { tactic: { shortname: string }; counts: { claimed: number } }[] };
      rolled: { totals: { claimed: number } };
      none: { totals: { claimed: number } };
      claims: unknown[];
    };
    assert.deepEqual(result.flat.totals, { techniques: currentIds.size, claimed: claimed.size });
    for (const t of result.flat.tactics) {
      const expected = current.filter(
        (o) =>
          claimed.has(externalId(o) as string) &&
          (o.kill_chain_phases ?? []).some((p) => p.phase_name === t.tactic.shortname),
      ).length;
      assert.equal(t.counts.claimed, expected, t.tactic.shortname);
    }
    assert.ok(
      unknownIds.includes('T1064') && unknownIds.includes('T9999') && !unknownIds.includes('T1086'),
      unknownIds.join(),
    );
    const parents = new Set([...claimed].map((id) => id.split('.')[0]));
    assert.equal(result.rolled.totals.claimed, parents.size);
    assert.equal(result.none.totals.claimed, 0);
    assert.deepEqual(result.claims, [
      {
        name: 'edr',
        layerName: 'Vendor EDR detection coverage',
        domain: 'ENTERPRISE',
        entries: entries.length,
        claimed: claimed.size,
        unknownTechniqueIds: unknownIds,
      },
    ]);
    const unknown = await api.gql('{ coverage(filter: {claims: ["nope"]}) { totals { claimed } } }');
    assert.equal(unknown.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    assert.match(
      unknown.errors?.[0]?.message ?? '',
      /^"claims" must name imported coverage claims \(edr\); unknown: "nope"/,
    );
  });

  it('shows what each claim says of a technique', async () => {
    const { data } = await api.gql(`{
      lsass: technique(id: "T1003.001") { claims { claim { name } claims score comment tactics } }
      injection: technique(id: "T1055") { claims { claims score tactics } }
      phishing: technique(id: "T1566.001") { claims { claims score comment } }
      other: technique(id: "T1001") { claims { claims } }
      powershell: technique(id: "T1059.001") { claims { score comment tactics } }
    }`);
    assert.deepEqual(data, {
      lsass: {
        claims: [
          {
            claim: { name: 'edr' },
            claims: true,
            score: 100,
            comment: 'LSASS access telemetry',
            tactics: ['credential-access'],
          },
        ],
      },
      injection: { claims: [{ claims: true, score: 50, tactics: ['defense-evasion', 'privilege-escalation'] }] },
      phishing: { claims: [{ claims: false, score: 0, comment: 'not covered' }] },
      other: { claims: [] },
      // Its own entry and the revoked T1086's (score 60) reach it: one claim, the higher score.
      powershell: { claims: [{ score: 80, comment: 'Script block logging', tactics: ['execution'] }] },
    });
  });

  it('reconciles the claim with the rules: where both agree and where they do not', async () => {
    const { data, errors } = await api.gql(`{ claimReconciliation(claim: "edr") {
      claim { name } techniques both neither agreementPercent claimOnly { id } rulesOnly { id } } }`);
    assert.equal(errors, undefined, JSON.stringify(errors));
    const ids = [...currentIds];
    const both = ids.filter((id) => claimed.has(id) && detected.has(id)).length;
    const neither = ids.filter((id) => !claimed.has(id) && !detected.has(id)).length;
    assert.deepEqual((data as { claimReconciliation: unknown }).claimReconciliation, {
      claim: { name: 'edr' },
      techniques: ids.length,
      both,
      neither,
      agreementPercent: Math.round((1000 * (both + neither)) / ids.length) / 10,
      claimOnly: ids
        .filter((id) => claimed.has(id) && !detected.has(id))
        .sort()
        .map((id) => ({ id })),
      rulesOnly: ids
        .filter((id) => !claimed.has(id) && detected.has(id))
        .sort()
        .map((id) => ({ id })),
    });
    assert.ok(both > 0 && neither > 0);
    const other = await api.gql('{ claimReconciliation(claim: "edr", filter: {domain: MOBILE}) { both } }');
    assert.equal(other.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    assert.equal(
      other.errors?.[0]?.message,
      'claim "edr" is for enterprise-attack: give the filter that domain (domain: ENTERPRISE)',
    );
  });

  it('takes a layer through the mutation only with an API key, replaces a claim of the same name, and removes it', async () => {
    const layer = JSON.stringify({ name: 'red team', techniques: [{ techniqueID: 'T1001', score: 3 }] });
    const mutation =
      'mutation($name: String!, $layer: String!) { importLayer(name: $name, layer: $layer) { name location claimed } }';
    const open = await api.gql(mutation, { name: 'red', layer });
    assert.equal(open.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    const imported = await keyed.gql(mutation, { name: 'red', layer }, KEY);
    assert.deepEqual(imported, { data: { importLayer: { name: 'red', location: 'api', claimed: 1 } } });
    const again = await keyed.gql(mutation, { name: 'red', layer: JSON.stringify({ techniques: [] }) }, KEY);
    assert.deepEqual(again.data, { importLayer: { name: 'red', location: 'api', claimed: 0 } });
    const broken = await keyed.gql(mutation, { name: 'red', layer: '{"techniques": [{"techniqueID": "X1"}]}' }, KEY);
    assert.equal(broken.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    assert.match(
      broken.errors?.[0]?.message ?? '',
      /^layer: techniques\[0\]: "techniqueID" must be an ATT&CK technique id/,
    );
    const removed = await keyed.gql('mutation { a: removeClaim(name: "red") b: removeClaim(name: "red") }', {}, KEY);
    assert.deepEqual(removed.data, { a: true, b: false });
    const { data } = await api.gql('{ coverageClaims { name } }');
    assert.deepEqual(data, { coverageClaims: [{ name: 'edr' }] });
  });
});
