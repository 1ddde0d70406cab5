// Log-source reality on the real data: which rules can fire with a declared inventory, and what a missing log source
// would unlock; expected values computed here from the rule files and the bundle.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { projectRoot } from '../../src/config.js';
import type { Graph } from '../../src/graph/driver.js';
import { seed } from '../../src/seed/pipeline.js';
import { startTestServer, type TestServer } from '../helpers/api.js';
import { externalId, loadObjects, type StixLike } from '../helpers/bundles.js';
import { readSigmaDocuments, revocationChains, type SigmaDocument } from '../helpers/evidence.js';
import { resetGraph, testGraph } from '../helpers/graph.js';
import { fixture, sharedData, skipWithoutSharedData } from '../helpers/paths.js';

const skip = skipWithoutSharedData();
const ENTERPRISE = path.join(sharedData, 'attack', 'enterprise-attack.json');
const SIGMA = path.join(sharedData, 'sigma');
const INVENTORY = fixture('logsources', 'inventory.yml');
const KEY = 'a-test-key-of-at-least-16-characters';
const cli = path.join(projectRoot, 'dist', 'src', 'cli.js');

// The fixture's inventory, written out. The documented rule, restated: a field the entry leaves out matches
// anything; a product it names matches the same product or a rule without one; a category or service it names
// must be the rule's.
const DECLARED = [
  { product: 'windows', category: 'process_creation', service: null },
  { product: 'windows', category: null, service: 'security' },
  { product: 'linux', category: null, service: null },
];
type Source = SigmaDocument['logsource'];
const fires = (source: Source) =>
  DECLARED.some(
    (entry) =>
      (!entry.product || !source.product || entry.product === source.product) &&
      (!entry.category || entry.category === source.category) &&
      (!entry.service || entry.service === source.service),
  );
const keyOf = (source: Source) => [source.product, source.category, source.service].map((v) => v ?? '*').join('|');

describe('log-source reality on the real data', { skip }, () => {
  let graph: Graph;
  let api: TestServer;
  let keyed: TestServer;
  const objects = skip ? [] : loadObjects([ENTERPRISE]);
  const current = objects.filter((o) => o.type === 'attack-pattern' && !o.revoked && !o.x_mitre_deprecated);
  let rules: (SigmaDocument & { techniques: string[] })[] = [];

  before(async () => {
    const reached = revocationChains(objects);
    rules = (await readSigmaDocuments(SIGMA))
      .filter((r) => ['stable', 'test', 'experimental'].includes(r.status))
      .map((r) => ({ ...r, techniques: [...new Set(r.techniqueIds.flatMap(reached))] }));
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

  /** Expected counts and ranking for the techniques `inScope` keeps. */
  const expected = (inScope: (t: StixLike) => boolean) => {
    const scoped = new Set(current.filter(inScope).map((t) => externalId(t) as string));
    const detected = new Set<string>();
    const firing = new Set<string>();
    const missing = new Map<string, { rules: number; techniques: Set<string> }>();
    for (const rule of rules) {
      const mine = rule.techniques.filter((id) => scoped.has(id));
      if (mine.length === 0) continue;
      for (const id of mine) detected.add(id);
      if (fires(rule.logsource)) for (const id of mine) firing.add(id);
      else {
        const need = missing.get(keyOf(rule.logsource)) ?? { rules: 0, techniques: new Set<string>() };
        need.rules += 1;
        for (const id of mine) need.techniques.add(id);
        missing.set(keyOf(rule.logsource), need);
      }
    }
    const ranking = [...missing]
      .map(([key, need]) => ({
        key,
        rules: need.rules,
        unlocked: [...need.techniques].filter((id) => !firing.has(id)).length,
      }))
      .sort((a, b) => b.unlocked - a.unlocked || b.rules - a.rules || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return {
      totals: { techniques: scoped.size, detected: detected.size, detectedByFiringRules: firing.size },
      ranking,
    };
  };

  const coverage = async (filter: string) => {
    const { data, errors } = await api.gql(`{ logSourceCoverage(filter: ${filter}) {
      inventory { declared entries { product category service } }
      totals { techniques detected detectedByFiringRules } rulesFiring rulesMissingLogSource
      missingLogSources(first: 10) { logsource { product category service } rules techniquesUnlocked techniques { id } }
    } }`);
    assert.equal(errors, undefined, JSON.stringify(errors));
    type Coverage = {
      inventory: { declared: boolean; entries: Source[] };
      totals: Record<string, number>;
      rulesFiring: number;
      rulesMissingLogSource: number;
      missingLogSources: {
        logsource: Source;
        rules: number;
        techniquesUnlocked: number;
        techniques: { id: string }[];
      }[];
    };
    return (data as { logSourceCoverage: Coverage }).logSourceCoverage;
  };

  /** The ranking of missing log sources as the expectation states it. */
  const ranking = (result: Awaited<ReturnType<typeof coverage>>) =>
    result.missingLogSources.map((m) => ({ key: keyOf(m.logsource), rules: m.rules, unlocked: m.techniquesUnlocked }));

  it('says nothing fires until an inventory is declared', async () => {
    const result = await coverage('{}');
    assert.equal(result.inventory.declared, false);
    assert.equal(result.totals.detectedByFiringRules, 0);
    const { data } = await api.gql('{ sigmaRules(first: 1) { nodes { canFire } } }');
    assert.deepEqual(data, { sigmaRules: { nodes: [{ canFire: null }] } });
  });

  it('refuses the mutation without API keys, and with a wrong key', async () => {
    const open = await api.gql('mutation { setLogSources(entries: [{product: "windows"}]) { declared } }');
    assert.equal(open.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    assert.match(open.errors?.[0]?.message ?? '', /needs API keys/);
    const wrong = await fetch(keyed.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer not-the-key-not-the-key' },
      body: JSON.stringify({ query: 'mutation { setLogSources(entries: []) { declared } }' }),
    });
    assert.equal(wrong.status, 401);
    const { data } = await api.gql('{ logSources { declared } }');
    assert.deepEqual(data, { logSources: { declared: false } });
  });

  it('declares the inventory from a YAML file, refusing a bad one with the file, position and reason', () => {
    const env = { ...process.env };
    for (const [name, reason] of [
      ['unknown-key.yml', 'log_sources[0]: unknown key "categroy"'],
      ['bad-yaml.yml', 'line 4, column 1: not valid YAML'],
    ]) {
      const bad = spawnSync(process.execPath, [cli, 'log-sources', fixture('logsources', name as string)], {
        encoding: 'utf8',
        env,
      });
      assert.equal(bad.status, 1, bad.stderr);
      assert.ok(bad.stderr.includes(`${fixture('logsources', name as string)}: ${reason}`), bad.stderr);
    }
    const good = spawnSync(process.execPath, [cli, 'log-sources', INVENTORY], { encoding: 'utf8', env });
    assert.equal(good.status, 0, good.stderr);
    assert.match(good.stdout, /log-source inventory: 3 log sources/);
  });

  it('splits detections by whether their rules can fire, and ranks the missing log sources', async () => {
    const result = await coverage('{}');
    assert.equal(result.inventory.declared, true);
    assert.deepEqual(
      result.inventory.entries,
      [...DECLARED].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : 1)),
    );
    const want = expected(() => true);
    assert.deepEqual(result.totals, want.totals);
    assert.ok(want.totals.detectedByFiringRules > 0 && want.totals.detectedByFiringRules < want.totals.detected);
    assert.deepEqual(ranking(result), want.ranking.slice(0, 10));
    for (const m of result.missingLogSources) assert.equal(m.techniques.length, m.techniquesUnlocked);
  });

  it("ranks the missing log sources for a threat profile's techniques", async () => {
    const group = objects.find((o) => o.type === 'intrusion-set' && externalId(o) === 'G0016') as StixLike;
    const used = new Set(
      objects
        .filter((r) => r.type === 'relationship' && r.relationship_type === 'uses' && r.source_ref === group.id)
        .map((r) => r.target_ref),
    );
    const result = await coverage('{groups: ["G0016"]}');
    const want = expected((t) => used.has(t.id));
    assert.deepEqual(result.totals, want.totals);
    assert.deepEqual(ranking(result), want.ranking.slice(0, 10));
  });

  it('tells each rule whether it can fire, and takes a new inventory through the mutation', async () => {
    const { data } = await api.gql(`{
      fires: sigmaRule(id: "${(rules.find((r) => fires(r.logsource) && r.logsource.product === 'windows') as SigmaDocument).id}") { canFire }
      silent: sigmaRule(id: "${(rules.find((r) => !fires(r.logsource)) as SigmaDocument).id}") { canFire }
    }`);
    assert.deepEqual(data, { fires: { canFire: true }, silent: { canFire: false } });
    const set = await keyed.gql(
      'mutation { setLogSources(entries: [{product: "Windows"}, {product: "windows"}, {category: "dns"}]) { declared entries { product category service } } }',
      {},
      KEY,
    );
    assert.equal(set.errors, undefined, JSON.stringify(set.errors));
    assert.deepEqual(set.data, {
      setLogSources: {
        declared: true,
        entries: [
          { product: null, category: 'dns', service: null },
          { product: 'windows', category: null, service: null },
        ],
      },
    });
    const empty = await keyed.gql('mutation { setLogSources(entries: [{product: " "}]) { declared } }', {}, KEY);
    assert.equal(empty.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    assert.match(
      empty.errors?.[0]?.message ?? '',
      /entries\[0\]: a log source needs at least one of product, category, service/,
    );
  });
});
