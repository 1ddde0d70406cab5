// The ATT&CK seeder on a real Neo4j with the real bundles: counts from the JSON, idempotence, upgrades, scopes.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Graph } from '../../src/graph/driver.js';
import { countRelationships, countType, loadObjects } from '../helpers/bundles.js';
import { fingerprint, resetGraph, seedAttack, testGraph } from '../helpers/graph.js';
import { fixture, sharedData, skipWithoutSharedData } from '../helpers/paths.js';

const skip = skipWithoutSharedData();
const attack = (name: string) => path.join(sharedData, 'attack', name);
const V18 = ['enterprise-attack.json', 'mobile-attack.json', 'ics-attack.json'].map(attack);
const V17 = attack('previous/enterprise-attack-v17.1.json');

const LABEL_TYPES: Record<string, string[]> = {
  Technique: ['attack-pattern'],
  Tactic: ['x-mitre-tactic'],
  Mitigation: ['course-of-action'],
  Group: ['intrusion-set'],
  Software: ['malware', 'tool'],
  Campaign: ['campaign'],
  DataSource: ['x-mitre-data-source'],
  DataComponent: ['x-mitre-data-component'],
  DetectionStrategy: ['x-mitre-detection-strategy'],
  Analytic: ['x-mitre-analytic'],
  Asset: ['x-mitre-asset'],
};
const REL_TYPES: Record<string, string> = {
  USES: 'uses',
  MITIGATES: 'mitigates',
  SUBTECHNIQUE_OF: 'subtechnique-of',
  DETECTS: 'detects',
  REVOKED_BY: 'revoked-by',
  ATTRIBUTED_TO: 'attributed-to',
  TARGETS: 'targets',
};

async function count(graph: Graph, cypher: string, params: Record<string, unknown> = {}): Promise<number> {
  const [row] = await graph.read(cypher, params);
  return Number(row?.n);
}

describe('seeding the real ATT&CK v18.1 bundles', { skip }, () => {
  let graph: Graph;
  const objects = skip ? [] : loadObjects(V18);

  before(async () => {
    graph = testGraph();
    await resetGraph(graph);
    await seedAttack(graph, V18);
  });
  after(() => graph?.close());

  it('has one node per STIX object of each type, across the three bundles', async () => {
    for (const [label, types] of Object.entries(LABEL_TYPES)) {
      assert.equal(await count(graph, `MATCH (n:${label}) RETURN count(n) AS n`), countType(objects, ...types), label);
    }
    const subtechniques = objects.filter((o) => o.type === 'attack-pattern' && o.x_mitre_is_subtechnique).length;
    assert.equal(await count(graph, 'MATCH (n:Technique {isSubtechnique: true}) RETURN count(n) AS n'), subtechniques);
  });

  it('has one edge per STIX relationship of each type', async () => {
    for (const [type, stixType] of Object.entries(REL_TYPES)) {
      assert.equal(
        await count(graph, `MATCH ()-[r:${type}]->() RETURN count(r) AS n`),
        countRelationships(objects, stixType),
        type,
      );
    }
  });

  it('links each technique to the tactics of its kill chain phases', async () => {
    let expected = 0;
    for (const file of V18) {
      const bundle = loadObjects([file]);
      const shortnames = new Set(bundle.filter((o) => o.type === 'x-mitre-tactic').map((o) => o.x_mitre_shortname));
      for (const technique of bundle.filter((o) => o.type === 'attack-pattern')) {
        expected += (technique.kill_chain_phases ?? []).filter((p) => shortnames.has(p.phase_name)).length;
      }
    }
    assert.equal(await count(graph, 'MATCH (:Technique)-[r:IN_TACTIC]->(:Tactic) RETURN count(r) AS n'), expected);
  });

  it('gives an object found in several bundles every domain', async () => {
    const inBundles = new Map<string, string[]>();
    for (const [file, domain] of V18.map((f, i) => [f, ['enterprise-attack', 'mobile-attack', 'ics-attack'][i]])) {
      for (const o of loadObjects([file as string]))
        inBundles.set(o.id, [...(inBundles.get(o.id) ?? []), domain as string]);
    }
    const shared = [...inBundles].filter(([id, d]) => d.length > 1 && id.startsWith('intrusion-set--'));
    assert.ok(shared.length > 0, 'the v18.1 bundles share some groups');
    const rows = await graph.read(
      'UNWIND $ids AS id MATCH (g:Group {stixId: id}) RETURN g.stixId AS id, g.domains AS domains',
      {
        ids: shared.map(([id]) => id),
      },
    );
    assert.deepEqual(Object.fromEntries(rows.map((r) => [r.id, r.domains])), Object.fromEntries(shared));
  });

  it('records a Dataset per bundle', async () => {
    const rows = await graph.read('MATCH (d:Dataset) RETURN d.name AS name, d.location AS location ORDER BY name');
    assert.deepEqual(rows, [
      { name: 'attack:enterprise-attack', location: V18[0] },
      { name: 'attack:ics-attack', location: V18[2] },
      { name: 'attack:mobile-attack', location: V18[1] },
    ]);
  });

  it('changes nothing when seeded again', async () => {
    const first = await fingerprint(graph);
    await seedAttack(graph, V18);
    assert.deepEqual(await fingerprint(graph), first);
  });

  it('keeps the other domains when one bundle is seeded alone', async () => {
    const first = await fingerprint(graph);
    await seedAttack(graph, [attack('mobile-attack.json')]);
    assert.deepEqual(await fingerprint(graph), first);
  });

  it('replaces a domain with a smaller bundle: objects shared with other domains stay, the rest go', async () => {
    await seedAttack(graph, [fixture('attack', 'mini-enterprise.json')]);
    const others = loadObjects([attack('mobile-attack.json'), attack('ics-attack.json')]);
    const mini = loadObjects([fixture('attack', 'mini-enterprise.json')]);
    const both = [...new Map([...others, ...mini].map((o) => [o.id, o])).values()];
    for (const [label, types] of Object.entries(LABEL_TYPES)) {
      assert.equal(await count(graph, `MATCH (n:${label}) RETURN count(n) AS n`), countType(both, ...types), label);
    }
    assert.equal(
      await count(graph, "MATCH (n) WHERE 'enterprise-attack' IN n.domains RETURN count(n) AS n"),
      mini.filter((o) => !['relationship', 'identity', 'x-mitre-matrix'].includes(o.type)).length,
    );
    await seedAttack(graph, [attack('enterprise-attack.json')]);
  });
});

describe('upgrading ATT&CK Enterprise from v17.1 to v18.1', { skip }, () => {
  let graph: Graph;
  before(() => {
    graph = testGraph();
  });
  after(() => graph?.close());

  it('leaves exactly what seeding v18.1 alone leaves, and keeps the catalogue of v17.1 beside it', async () => {
    await resetGraph(graph);
    await seedAttack(graph, [V18[0] as string]);
    const alone = await fingerprint(graph);

    await resetGraph(graph);
    await seedAttack(graph, [V17]);
    const v17 = await fingerprint(graph);
    assert.notEqual(v17.hash, alone.hash, 'v17.1 and v18.1 differ');
    const { sources } = await seedAttack(graph, [V18[0] as string]);
    assert.ok((sources[0]?.removedEdges ?? 0) > 0, 'relationships that vanished from v18.1 were retired');
    // The file name says v17.1: its release catalogue stays for comparisons (v18.1's bundle names no release).
    const release = 'attack-release:enterprise-attack@17.1';
    assert.equal(
      await count(graph, 'MATCH (t:TechniqueVersion {release: $release}) RETURN count(t) AS n', { release }),
      countType(loadObjects([V17]), 'attack-pattern'),
    );
    await graph.write((run) =>
      run(
        `MATCH (n) WHERE (n:TechniqueVersion OR n:TacticVersion) AND n.release = $release OR n:Dataset AND n.name = $release
         DETACH DELETE n`,
        { release },
      ),
    );
    assert.deepEqual(await fingerprint(graph), alone);
  });
});
