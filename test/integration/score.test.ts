// Quality-weighted scores on the real data, expected values computed here from the rule files, tests and ontology.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadWeightsFile } from '../../src/api/weights.js';
import type { Graph } from '../../src/graph/driver.js';
import { seed } from '../../src/seed/pipeline.js';
import { startTestServer, type TestServer } from '../helpers/api.js';
import { loadObjects } from '../helpers/bundles.js';
import { expectedCountermeasures } from '../helpers/d3fend-rule.js';
import { readSigmaDocuments, revocationChains, scanAtomicTests } from '../helpers/evidence.js';
import { resetGraph, testGraph } from '../helpers/graph.js';
import { sharedData, skipWithoutSharedData } from '../helpers/paths.js';

const skip = skipWithoutSharedData();
const ENTERPRISE = path.join(sharedData, 'attack', 'enterprise-attack.json');
const ONTOLOGY = path.join(sharedData, 'd3fend', 'd3fend.ttl');
const SIGMA = path.join(sharedData, 'sigma');
const ATOMICS = path.join(sharedData, 'atomic-red-team', 'atomics');

// The documented default weights (README), written out here rather than imported.
const STATUS: Record<string, number> = { stable: 1, test: 0.8, experimental: 0.5 };
const LEVEL: Record<string, number> = { critical: 1, high: 0.8, medium: 0.5, low: 0.25, informational: 0.1 };
const TACTIC: Record<string, number> = { detect: 1, harden: 0.8, isolate: 0.8, evict: 0.6, deceive: 0.5, restore: 0.4 };
const TACTIC_SUM = Object.values(TACTIC).reduce((a, b) => a + b, 0);
const COLLAPSE = ['derived', 'obsolete', 'merged', 'renamed'];
const round = (x: number) => Math.round(x * 10) / 10;

interface Rule {
  id: string;
  status: string;
  level: string;
  related: { id: string; type: string }[];
  techniques: string[];
}

describe('quality-weighted scores on the real data', { skip }, () => {
  let graph: Graph;
  let api: TestServer;
  const rules: Rule[] = [];
  let atomics = new Map<string, number>();
  const ontology = skip ? null : expectedCountermeasures(ONTOLOGY);

  before(async () => {
    // A tag naming a revoked technique also reaches what replaced it (to the end of the chain).
    const reached = revocationChains(loadObjects([ENTERPRISE]));
    for (const doc of await readSigmaDocuments(SIGMA)) {
      rules.push({ ...doc, techniques: [...new Set(doc.techniqueIds.flatMap(reached))] });
    }
    atomics = await scanAtomicTests(ATOMICS);
    graph = testGraph();
    await resetGraph(graph);
    await seed(
      graph,
      { attack: [ENTERPRISE], d3fend: [ONTOLOGY], sigma: [{ name: 'sigmahq', location: SIGMA }], atomic: [ATOMICS] },
      { batchSize: 5000 },
    );
    api = await startTestServer(graph);
  });
  after(async () => {
    await api?.stop();
    await graph?.close();
  });

  /** The expected score of a technique under the default weights, from the files and the ontology's tactics. */
  const expectedScore = async (id: string) => {
    const mine = rules.filter((r) => r.techniques.includes(id));
    // Rules collapsed by `related` (either way) into detections, each worth its best rule.
    const group = new Map(mine.map((_, i) => [i, i]));
    const root = (i: number): number => (group.get(i) === i ? i : root(group.get(i) as number));
    mine.forEach((r, i) => {
      mine.forEach((other, j) => {
        if (other.id === r.id) group.set(root(j), root(i));
      });
      for (const rel of r.related) {
        if (!COLLAPSE.includes(rel.type)) continue;
        mine.forEach((other, j) => {
          if (other.id === rel.id) group.set(root(j), root(i));
        });
      }
    });
    const best = new Map<number, number>();
    mine.forEach((r, i) => {
      const w = (STATUS[r.status] ?? 0) * (LEVEL[r.level] ?? 0);
      best.set(root(i), Math.max(best.get(root(i)) ?? 0, w));
    });
    const detections = [...best.values()].filter((w) => w > 0);
    const sigma = round(50 * Math.min(1, detections.reduce((a, b) => a + b, 0) / 2));
    // The countermeasures and their tactics from the ontology itself (the independent rule of the D3FEND tests).
    const defenders = [...(ontology?.expected.get(id)?.keys() ?? [])];
    const tactics = [...new Set(defenders.map((d) => ontology?.tacticOf(d)?.toLowerCase() ?? ''))].filter(
      (t) => (TACTIC[t] ?? 0) > 0,
    );
    const counters = round((30 * tactics.reduce((a, t) => a + (TACTIC[t] ?? 0), 0)) / TACTIC_SUM);
    const atomic = round(20 * Math.min(1, (atomics.get(id) ?? 0) / 3));
    return { sigma, counters, atomic, detections: detections.length, rules: mine.length, tactics: tactics.length };
  };

  const scoreOf = async (id: string, args = '') => {
    const { data, errors } = await api.gql(`{ technique(id: "${id}") {
      score${args} { total maximum explanation parts { part points maximum formula contributions { key label weight note } } } } }`);
    assert.equal(errors, undefined, JSON.stringify(errors));
    return (
      data as {
        technique: {
          score: {
            total: number;
            maximum: number;
            explanation: string;
            parts: {
              part: string;
              points: number;
              maximum: number;
              formula: string;
              contributions: { key: string; label: string; weight: number; note: string }[];
            }[];
          };
        };
      }
    ).technique.score;
  };

  it('weighs rules by status and level, countermeasures by tactic and tests, as documented', async () => {
    for (const id of ['T1550.001', 'T1003.001', 'T1059.001', 'T1566.001']) {
      const expected = await expectedScore(id);
      const score = await scoreOf(id);
      const [sigma, counters, atomic] = score.parts;
      assert.deepEqual(
        [sigma?.points, counters?.points, atomic?.points],
        [expected.sigma, expected.counters, expected.atomic],
        id,
      );
      assert.equal(sigma?.contributions.length, expected.detections, `${id}: detections`);
      assert.equal(counters?.contributions.length, expected.tactics, `${id}: tactics`);
      assert.equal(score.total, round(expected.sigma + expected.counters + expected.atomic), id);
      assert.equal(score.maximum, 100);
      // The explanation states every part's formula and every contribution.
      for (const part of score.parts) {
        assert.ok(score.explanation.includes(`${part.part}: ${part.points} of ${part.maximum} = ${part.formula}`), id);
        for (const c of part.contributions) {
          assert.ok(score.explanation.includes(`${c.weight}  ${c.label}`), `${id} ${c.key}`);
        }
      }
    }
  });

  it('counts rules that related marks as derived, obsolete, merged or renamed once', async () => {
    // The first technique (by id) where collapsing changes the number of detections, found from the files.
    const ids = [...new Set(rules.flatMap((r) => r.techniques))].sort();
    let found: string | undefined;
    for (const id of ids) {
      const mine = rules.filter(
        (r) => r.techniques.includes(id) && (STATUS[r.status] ?? 0) > 0 && (LEVEL[r.level] ?? 0) > 0,
      );
      if (mine.some((r) => r.related.some((rel) => COLLAPSE.includes(rel.type) && mine.some((o) => o.id === rel.id)))) {
        found = id;
        break;
      }
    }
    assert.ok(found, 'the rules have related pairs under one technique');
    const expected = await expectedScore(found);
    const score = await scoreOf(found);
    const sigma = score.parts[0];
    assert.equal(sigma?.contributions.length, expected.detections);
    assert.ok(
      expected.detections < expected.rules,
      `${found}: ${expected.detections} detections of ${expected.rules} rules`,
    );
    assert.ok(
      sigma?.contributions.some((c) => /counted once with/.test(c.note)),
      found,
    );
    // Without collapsing, every weighted rule is a detection of its own.
    const apart = await scoreOf(found, '(weights: {collapse: []})');
    assert.ok((apart.parts[0]?.contributions.length ?? 0) > (sigma?.contributions.length ?? 0));
  });

  it('takes weights from the request and from SCORE_WEIGHTS_FILE, and names a bad one', async () => {
    const base = await scoreOf('T1003.001');
    const changed = await scoreOf(
      'T1003.001',
      '(weights: {sigmaPoints: 0, atomicPoints: 40, d3fendTactics: [{name: "Detect", weight: 0}]})',
    );
    assert.deepEqual(
      changed.parts.map((p) => p.maximum),
      [0, 30, 40],
    );
    assert.equal(changed.parts[0]?.points, 0);
    assert.ok(!changed.parts[1]?.contributions.some((c) => c.key === 'detect'));
    assert.ok((changed.parts[2]?.points ?? 0) >= (base.parts[2]?.points ?? 0));
    const bad = await api.gql('{ technique(id: "T1003") { score(weights: {sigmaSaturation: 0}) { total } } }');
    assert.equal(bad.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    assert.equal(bad.errors?.[0]?.message, '"weights": sigma.saturation: expected a positive number, got 0');
    const { data } = await api.gql('{ scoreWeights { sigmaPoints sigmaStatus { name weight } collapse } }');
    assert.deepEqual(data, {
      scoreWeights: {
        sigmaPoints: 50,
        sigmaStatus: [...Object.entries(STATUS), ['deprecated', 0], ['unsupported', 0]].map(([name, weight]) => ({
          name,
          weight,
        })),
        collapse: COLLAPSE,
      },
    });

    const file = path.join(tmpdir(), `weights-${process.pid}.yml`);
    writeFileSync(file, 'points:\n  sigma: 60\nsigma:\n  level:\n    High: 1\n');
    const weights = loadWeightsFile(file);
    assert.equal(weights.points.sigma, 60);
    assert.equal(weights.sigma.level.high, 1);
    assert.equal(weights.sigma.level.medium, LEVEL.medium);
    writeFileSync(file, 'points:\n  sigma: -1\n');
    assert.throws(() => loadWeightsFile(file), {
      message: `${file}: weights.points.sigma: expected a non-negative number, got -1`,
    });
    writeFileSync(file, 'sigma:\n  levels: {}\n');
    assert.throws(
      () => loadWeightsFile(file),
      /weights\.sigma\.levels: unknown key \(expected one of saturation, status, level, collapse\)/,
    );
    writeFileSync(file, 'points: [1\n');
    assert.throws(
      () => loadWeightsFile(file),
      new RegExp(`^Error: ${file.replace(/[.]/g, '\\.')}: line \\d+, column \\d+: `),
    );
  });
});
