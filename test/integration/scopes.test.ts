// Scopes on small hand-made bundles: upgrades, objects shared by domains, independence of seed order and batch size.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Graph } from '../../src/graph/driver.js';
import { fingerprint, resetGraph, seedAttack, seedFixtures, testGraph } from '../helpers/graph.js';
import { fixture } from '../helpers/paths.js';

const ENT_V1 = fixture('attack', 'mini-enterprise.json');
const ENT_V2 = fixture('attack', 'mini-enterprise-v2.json');
const ICS = fixture('attack', 'mini-ics.json');
const APT28 = 'intrusion-set--00000000-0000-4000-8000-00000000e001';
const COZYCAR = 'malware--00000000-0000-4000-8000-00000000f001';

describe('seed scopes on hand-made bundles', () => {
  let graph: Graph;
  const seeded = async (...runs: string[][]) => {
    await resetGraph(graph);
    for (const files of runs) await seedAttack(graph, files);
    return fingerprint(graph);
  };
  const node = async (stixId: string) => {
    const [row] = await graph.read('MATCH (n:AttackObject {stixId: $stixId}) RETURN properties(n) AS n', { stixId });
    return row?.n as Record<string, unknown> | undefined;
  };

  before(() => {
    graph = testGraph();
  });
  after(() => graph?.close());

  it('sends each statement with parameters of one size whatever the data, so Neo4j plans it once', async () => {
    // Neo4j keys its plan cache on a top-level list's or string's size in powers of ten, and on null: a batch of 1
    // row and one of 2 or 3, the scope `d3fend` and `attack:ics-attack`, would each be planned separately. Rows,
    // keys, scopes and Dataset fields travel inside a map.
    const sent: { cypher: string; params: Record<string, unknown> }[] = [];
    const stop = graph.onQuery((cypher, params) => sent.push({ cypher, params }));
    let small: Awaited<ReturnType<typeof fingerprint>>;
    try {
      await resetGraph(graph);
      await seedFixtures(graph, 3);
      await seedAttack(graph, [ICS], 3);
      small = await fingerprint(graph);
    } finally {
      stop();
    }
    // Per statement (Neo4j's cache key is its whole text) and parameter: one kind, and for a list or a string one
    // length (the scope order, the time a seed marks the graph changed).
    const shapes = new Map<string, Set<string>>();
    for (const { cypher, params } of sent) {
      for (const [name, value] of Object.entries(params)) {
        const shape =
          value === null || value === undefined
            ? 'null'
            : Array.isArray(value) || typeof value === 'string'
              ? `${Array.isArray(value) ? 'list' : 'string'} of ${value.length}`
              : typeof value;
        const key = `$${name} of ${cypher}`;
        shapes.set(key, (shapes.get(key) ?? new Set()).add(shape));
      }
    }
    assert.ok(shapes.size > 0);
    for (const [key, seen] of shapes) assert.equal(seen.size, 1, `${key.slice(0, 160)}: ${[...seen].join(', ')}`);
    const batches = sent.filter(({ cypher }) => cypher.includes('UNWIND $batch.rows'));
    const sizes = new Set(batches.map(({ params }) => (params.batch as { rows: unknown[] }).rows.length));
    assert.deepEqual([...sizes].sort(), [1, 2, 3]);
    const scopes = new Set(batches.map(({ params }) => (params.batch as { scope: string }).scope));
    assert.ok(scopes.has('d3fend') && scopes.has('attack:ics-attack'), [...scopes].join(', '));
    await resetGraph(graph);
    await seedFixtures(graph);
    await seedAttack(graph, [ICS]);
    assert.deepEqual(await fingerprint(graph), small);
  });

  it('an upgrade leaves what the new release alone leaves: retired objects, moved edges, dropped tactics', async () => {
    const alone = await seeded([ENT_V2]);
    assert.deepEqual(await seeded([ENT_V1], [ENT_V2]), alone);
    assert.deepEqual(await seeded([ENT_V1, ENT_V2]), alone);
    const [row] = await graph.read(
      `MATCH (g:Group {stixId: $APT28})-[:USES]->(t:Technique) RETURN collect(t.id) AS techniques`,
      { APT28 },
    );
    assert.deepEqual(row?.techniques, ['T1550']);
    assert.equal(await node('attack-pattern--00000000-0000-4000-8000-00000000c003'), undefined);
  });

  it('an object in two domains shows its newest copy, whatever the order of seeds', async () => {
    const entFirst = await seeded([ENT_V1], [ICS]);
    assert.deepEqual(await seeded([ICS], [ENT_V1]), entFirst);
    assert.deepEqual(await seeded([ICS, ENT_V1]), entFirst);
    const group = await node(APT28);
    assert.deepEqual(
      [group?.domains, group?.aliases],
      [
        ['enterprise-attack', 'ics-attack'],
        ['APT28', 'Fancy Bear', 'Sofacy'],
      ],
    );
    const malware = await node(COZYCAR);
    assert.deepEqual([malware?.domains, malware?.name], [['enterprise-attack', 'ics-attack'], 'CozyCar']);
  });

  it('an object that leaves one domain stays in the other, and takes that copy on its next seed', async () => {
    await seeded([ENT_V1, ICS], [ENT_V2]);
    assert.deepEqual((await node(COZYCAR))?.domains, ['ics-attack']);
    await seedAttack(graph, [ICS]);
    assert.equal((await node(COZYCAR))?.name, 'CozyCar (old)');
    assert.deepEqual(await fingerprint(graph), await seeded([ICS, ENT_V2]));
  });
});
