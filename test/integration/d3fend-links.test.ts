// The links from D3FEND to ATT&CK on hand-made sources: made in either order, removed when the ontology drops them.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Graph } from '../../src/graph/driver.js';
import { seed } from '../../src/seed/pipeline.js';
import { fingerprint, resetGraph, testGraph } from '../helpers/graph.js';
import { fixture } from '../helpers/paths.js';

const ATTACK = fixture('attack', 'mini-enterprise.json');
const ONTOLOGY = fixture('d3fend', 'mini.ttl');
const ONTOLOGY_V2 = fixture('d3fend', 'mini-v2.ttl');
const batchSize = 1000;

describe('links from D3FEND to ATT&CK on hand-made sources', () => {
  let graph: Graph;
  const links = async () => {
    const rows = await graph.read(
      `MATCH (a)-[r:COUNTERS|ACTS_ON]->(b) WHERE a:Technique OR b:Technique
       RETURN type(r) + ' ' + coalesce(a.id, a.iri) + ' -> ' + coalesce(b.id, b.iri) +
              coalesce(' ' + r.relation, '') + coalesce(' ' + reduce(s = '', p IN r.paths | s + p + ';'), '') AS link
       ORDER BY link`,
    );
    return rows.map((row) => (row.link as string).replaceAll('http://d3fend.mitre.org/ontologies/d3fend.owl#', ''));
  };
  before(() => {
    graph = testGraph();
  });
  after(() => graph?.close());

  it('links the loaded techniques, reports the one not loaded, whatever the order of seeds', async () => {
    await resetGraph(graph);
    const first = await seed(graph, { attack: [ATTACK], d3fend: [ONTOLOGY] }, { batchSize });
    assert.deepEqual(first.links.missingAttackIds, ['T9999']);
    assert.deepEqual(await links(), [
      'ACTS_ON T1550 -> NetworkTraffic may-produce',
      'ACTS_ON T1550.001 -> AccessToken uses',
      'COUNTERS D3-DUC -> T1550.001 T1550.001|uses|AccessToken|spoofs|Credential|Access Token|Credential;',
      'COUNTERS D3-PMAD -> T1550 T1550|may-produce|NetworkTraffic|analyzes|NetworkTraffic|Network Traffic|Network Traffic;',
      'COUNTERS D3-PMAD -> T1550.001 T1550|may-produce|NetworkTraffic|analyzes|NetworkTraffic|Network Traffic|Network Traffic;',
    ]);
    const together = await fingerprint(graph);
    await resetGraph(graph);
    await seed(graph, { attack: [], d3fend: [ONTOLOGY] }, { batchSize });
    await seed(graph, { attack: [ATTACK] }, { batchSize });
    assert.deepEqual(await fingerprint(graph), together);
  });

  it('removes links that a newer ontology no longer implies', async () => {
    await seed(graph, { attack: [], d3fend: [ONTOLOGY_V2] }, { batchSize });
    assert.deepEqual(await links(), [
      'ACTS_ON T1550 -> NetworkTraffic may-produce',
      'COUNTERS D3-PMAD -> T1550 T1550|may-produce|NetworkTraffic|analyzes|NetworkTraffic|Network Traffic|Network Traffic;',
      'COUNTERS D3-PMAD -> T1550.001 T1550|may-produce|NetworkTraffic|analyzes|NetworkTraffic|Network Traffic|Network Traffic;',
    ]);
    await seed(graph, { attack: [], d3fend: [ONTOLOGY] }, { batchSize });
    assert.equal((await links()).length, 5);
  });

  it('a newer ontology that renames a technique and drops another leaves what it alone leaves', async () => {
    // The rename keeps the technique's D3FEND id and changes its IRI; the dropped technique takes its edges with it.
    const v1 = await readFile(ONTOLOGY, 'utf8');
    const v3 = v1
      .replace(/:DecoyUserCredential\b/g, ':DecoyUserCredentialRenamed')
      .replace(/# Authentication is an action[\s\S]*?:d3fend-id "D3-ANET" \.\n/, '');
    assert.ok(v3.includes(':DecoyUserCredentialRenamed a') && !v3.includes('D3-ANET'), 'the test edits the ontology');
    const folder = await mkdtemp(path.join(tmpdir(), 'coverage-graph-d3fend-'));
    const newer = path.join(folder, 'mini.ttl');
    await writeFile(newer, v3);
    try {
      await resetGraph(graph);
      await seed(graph, { attack: [ATTACK], d3fend: [ONTOLOGY] }, { batchSize });
      const result = await seed(graph, { attack: [], d3fend: [newer] }, { batchSize });
      assert.equal(result.sources[0]?.removedNodes, 1);
      const reseeded = await fingerprint(graph);
      const [row] = await graph.read(
        `MATCH (d:D3fendTechnique {id: 'D3-DUC'})
         RETURN count(d) AS n, collect(d.iri) AS iris,
                count { MATCH (:D3fendTechnique {id: 'D3-ANET'}) } AS dropped,
                count { MATCH (:D3fendTechnique)-[:SUBCLASS_OF]->(:D3fendTechnique {id: 'D3-NTA'}) } AS underNta`,
      );
      assert.ok(row);
      assert.deepEqual(
        { ...row, iris: (row.iris as string[]).map((iri) => iri.replace(/^.*#/, '')) },
        { n: 1, iris: ['DecoyUserCredentialRenamed'], dropped: 0, underNta: 1 },
      );
      await resetGraph(graph);
      await seed(graph, { attack: [ATTACK], d3fend: [newer] }, { batchSize });
      assert.deepEqual(reseeded, await fingerprint(graph));
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});
