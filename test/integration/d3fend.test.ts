// D3FEND on a real Neo4j with the real ontology: countermeasures against an independent implementation of the rule.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SourceError } from '../../src/errors.js';
import type { Graph } from '../../src/graph/driver.js';
import { seed } from '../../src/seed/pipeline.js';
import { startTestServer, type TestServer } from '../helpers/api.js';
import { externalId, loadObjects } from '../helpers/bundles.js';
import { expectedCountermeasures } from '../helpers/d3fend-rule.js';
import { countQueries, fingerprint, resetGraph, testGraph } from '../helpers/graph.js';
import { fixture, sharedData, skipWithoutSharedData } from '../helpers/paths.js';

const skip = skipWithoutSharedData();
const ONTOLOGY = path.join(sharedData, 'd3fend', 'd3fend.ttl');
const ENTERPRISE = path.join(sharedData, 'attack', 'enterprise-attack.json');
const batchSize = 5000;

describe('D3FEND countermeasures on the real ontology', { skip }, () => {
  let graph: Graph;
  let api: TestServer;
  const rule = skip ? null : expectedCountermeasures(ONTOLOGY);

  before(async () => {
    graph = testGraph();
    await resetGraph(graph);
    api = await startTestServer(graph);
  });
  after(async () => {
    await api?.stop();
    await graph?.close();
  });

  it('gives the same graph whether D3FEND is seeded before or after ATT&CK, and again', async () => {
    await seed(graph, { attack: [], d3fend: [ONTOLOGY] }, { batchSize });
    await seed(graph, { attack: [ENTERPRISE] }, { batchSize });
    const d3fendFirst = await fingerprint(graph);
    await resetGraph(graph);
    await seed(graph, { attack: [ENTERPRISE] }, { batchSize });
    await seed(graph, { attack: [], d3fend: [ONTOLOGY] }, { batchSize });
    assert.deepEqual(await fingerprint(graph), d3fendFirst);
    await seed(graph, { attack: [], d3fend: [ONTOLOGY] }, { batchSize });
    assert.deepEqual(await fingerprint(graph), d3fendFirst);
    assert.ok((d3fendFirst.counts.COUNTERS ?? 0) > 0);
  });

  it('has every defensive technique, each with its tactic', async () => {
    const [row] = await graph.read(
      `MATCH (d:D3fendTechnique) RETURN collect(d.id) AS ids,
       count { MATCH (d2:D3fendTechnique) WHERE NOT (d2)-[:IN_TACTIC]->(:D3fendTactic) } AS withoutTactic`,
    );
    assert.deepEqual(((row?.ids ?? []) as string[]).sort(), [...(rule?.defensiveIds ?? [])].sort());
    assert.equal(row?.withoutTactic, 0);
  });

  it('keeps on every COUNTERS edge at least one path of seven non-empty parts (the last two: artifact names)', async () => {
    const [row] = await graph.read(
      `MATCH ()-[c:COUNTERS]->()
       RETURN count(c) AS edges,
              sum(CASE WHEN c.paths IS NULL OR size(c.paths) = 0
                        OR any(p IN c.paths WHERE size(split(p, '|')) <> 7 OR '' IN split(p, '|'))
                       THEN 1 ELSE 0 END) AS bad`,
    );
    assert.ok(Number(row?.edges) > 0);
    assert.equal(row?.bad, 0);
  });

  it('links every loaded technique to exactly the countermeasures and paths an independent implementation finds', async () => {
    const rows = await graph.read(
      `MATCH (t:Technique) WHERE EXISTS { MATCH (:D3fendTechnique)-[:COUNTERS]->(t) } OR t.id IN $ids
       OPTIONAL MATCH (d:D3fendTechnique)-[c:COUNTERS]->(t)
       RETURN t.id AS technique, d.id AS countermeasure, c.paths AS paths`,
      { ids: [...(rule?.expected.keys() ?? [])] },
    );
    const got = new Map<string, Map<string, string[]>>();
    for (const row of rows) {
      const byDefender = got.get(row.technique as string) ?? new Map<string, string[]>();
      if (row.countermeasure) byDefender.set(row.countermeasure as string, [...(row.paths as string[])].sort());
      got.set(row.technique as string, byDefender);
    }
    assert.ok(got.size > 500, `${got.size} techniques compared`);
    for (const [technique, byDefender] of got) {
      const expected = new Map(
        [...(rule?.expected.get(technique) ?? new Map<string, Set<string>>())].map(([d, paths]) => [
          d,
          [...paths].sort(),
        ]),
      );
      assert.deepEqual(byDefender, expected, technique);
    }
  });

  it('answers the same countermeasures through GraphQL', async () => {
    for (const id of ['T1550.001', 'T1003.001', 'T1059.001', 'T1566.001', 'T1110']) {
      const { data, errors } = await api.gql(
        'query($id: ID!) { technique(id: $id) { countermeasures { technique { id } paths { via } } } }',
        { id },
      );
      assert.equal(errors, undefined);
      const countermeasures = (data as { technique: { countermeasures: { technique: { id: string } }[] } }).technique
        .countermeasures;
      assert.deepEqual(
        countermeasures.map((c) => c.technique.id).sort(),
        [...(rule?.expected.get(id)?.keys() ?? [])].sort(),
        id,
      );
    }
  });

  it("orders countermeasures by D3FEND tactic (in the ontology's display order), then by name", async () => {
    const { data, errors } = await api.gql(`{
      d3fendTactics { name order }
      technique(id: "T1550.001") { countermeasures { technique { name tactic { name } } } }
    }`);
    assert.equal(errors, undefined);
    const { d3fendTactics, technique } = data as {
      d3fendTactics: { name: string; order: number }[];
      technique: { countermeasures: { technique: { name: string; tactic: { name: string } | null } }[] };
    };
    // The ontology's order of the tactics (Model first), by their stored display order.
    const rank = new Map([...d3fendTactics].sort((a, b) => a.order - b.order).map((t, i) => [t.name, i]));
    const shown = technique.countermeasures.map((c) => c.technique);
    assert.ok(new Set(shown.map((t) => t.tactic?.name)).size > 2, 'several tactics, so the order is tested');
    const expected = [...shown].sort(
      (a, b) =>
        (rank.get(a.tactic?.name ?? '') ?? rank.size) - (rank.get(b.tactic?.name ?? '') ?? rank.size) ||
        a.name.localeCompare(b.name),
    );
    assert.deepEqual(shown, expected);
  });

  it('explains a countermeasure with its paths and artifacts', async () => {
    const { data, errors } = await api.gql(`{
      technique(id: "T1550.001") {
        countermeasures(tactic: "deceive") {
          technique { id tactic { name } }
          paths { via offensiveRelation offensiveArtifact { id } defensiveRelation defensiveArtifact { id } }
        }
      }
    }`);
    assert.equal(errors, undefined);
    const countermeasures = (
      data as { technique: { countermeasures: { technique: { id: string; tactic: { name: string } } }[] } }
    ).technique.countermeasures;
    const expected = [...(rule?.expected.get('T1550.001')?.keys() ?? [])];
    assert.ok(countermeasures.length > 0);
    for (const c of countermeasures) {
      assert.equal(c.technique.tactic.name, 'Deceive');
      assert.ok(expected.includes(c.technique.id));
    }
    const bad = await api.gql('{ technique(id: "T1550.001") { countermeasures(tactic: "Attack") { paths { via } } } }');
    assert.equal(bad.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    assert.match(
      bad.errors?.[0]?.message ?? '',
      /^"tactic" must be a D3FEND tactic \(Model, Harden, Detect, Isolate, Deceive, Evict, Restore\)/,
    );
  });

  it('finds techniques and artifacts by id, name or IRI local name', async () => {
    const { data } = await api.gql(`{
      byId: d3fendTechnique(id: "D3-DST") { name parent { id } tactic { name } artifacts { relation artifact { id } } }
      byName: d3fendTechnique(id: "DecoySessionToken") { id }
      unknown: d3fendTechnique(id: "D3-NOPE") { id }
      artifact(name: "Access Token") { id children { id } }
      tactics: d3fendTactics { name }
    }`);
    assert.deepEqual(data, {
      byId: {
        name: 'Decoy Session Token',
        parent: { id: 'D3-DO' },
        tactic: { name: 'Deceive' },
        artifacts: [{ relation: 'spoofs', artifact: { id: 'SessionToken' } }],
      },
      byName: { id: 'D3-DST' },
      unknown: null,
      artifact: { id: 'AccessToken', children: (rule?.childrenOf('AccessToken') ?? []).map((id) => ({ id })) },
      tactics: ['Model', 'Harden', 'Detect', 'Isolate', 'Deceive', 'Evict', 'Restore'].map((name) => ({ name })),
    });
  });

  it('lists D3FEND techniques by tactic and text, and artifacts by text', async () => {
    const { data, errors } = await api.gql(`{
      deceive: d3fendTechniques(filter: {tactic: "deceive"}, first: 500) { totalCount nodes { tactic { name } } }
      tactics: d3fendTactics { name techniques(first: 0) { totalCount } }
      decoys: d3fendTechniques(filter: {text: "decoy"}, first: 500) { nodes { id name definition synonyms } }
      tokens: artifacts(filter: {text: "token"}, first: 500) { totalCount nodes { id } }
    }`);
    assert.equal(errors, undefined);
    const result = data as {
      deceive: { totalCount: number; nodes: { tactic: { name: string } }[] };
      tactics: { name: string; techniques: { totalCount: number } }[];
      decoys: { nodes: { id: string; name: string; definition: string | null; synonyms: string[] }[] };
      tokens: { totalCount: number; nodes: { id: string }[] };
    };
    const perTactic = result.tactics.find((t) => t.name === 'Deceive')?.techniques.totalCount;
    assert.equal(result.deceive.totalCount, perTactic);
    assert.ok(result.deceive.nodes.every((n) => n.tactic.name === 'Deceive'));
    assert.ok(result.decoys.nodes.length > 0);
    for (const n of result.decoys.nodes) {
      assert.match([n.id, n.name, n.definition ?? '', ...n.synonyms].join(' '), /decoy/i);
    }
    const tokens = result.tokens.nodes.map((n) => n.id);
    assert.ok(tokens.includes('AccessToken') && tokens.includes('SessionToken'), tokens.join(','));
  });

  it('answers countermeasures of a page of techniques in a number of queries that does not grow with the page', async () => {
    const queriesFor = (first: number, tacticFields = 'name', artifactFields = 'id name') =>
      countQueries(graph, async () => {
        const { errors } = await api.gql(
          `query($first: Int) { techniques(first: $first) { nodes { id countermeasures {
          technique { id tactic { ${tacticFields} } }
          paths { offensiveArtifact { ${artifactFields} } defensiveArtifact { ${artifactFields} } } } } } }`,
          { first },
        );
        assert.equal(errors, undefined);
      });
    // The graph version (response cache), the page with its techniques' countermeasures (in tactic order, each with
    // its tactic's name; the paths carry their artifacts' ids and names).
    assert.equal(await queriesFor(5), 2);
    assert.equal(await queriesFor(50), 2);
    // More of an artifact than its id and name: the artifacts of all paths, once per request.
    assert.equal(await queriesFor(5, 'name', 'id name definition'), 3);
    assert.equal(await queriesFor(50, 'name', 'name url'), 3);
    // More of a tactic than its name: the D3FEND tactics too, once per request.
    assert.equal(await queriesFor(5, 'name order'), 3);
    assert.equal(await queriesFor(50, 'name order iri', 'id definition'), 4);
  });

  it("gives a path's artifact the same id and name whether it comes from the path or from the artifact's node", async () => {
    const pathsWith = async (fields: string) => {
      const { data, errors } = await api.gql(`{ technique(id: "T1550.001") { countermeasures(includeDeprecated: true) {
        paths { offensiveArtifact { ${fields} } defensiveArtifact { ${fields} } } } } }`);
      assert.equal(errors, undefined);
      type Art = { id: string; name: string };
      const { technique } = data as {
        technique: { countermeasures: { paths: { offensiveArtifact: Art; defensiveArtifact: Art }[] }[] };
      };
      return technique.countermeasures.flatMap((c) =>
        c.paths.flatMap((p) => [p.offensiveArtifact, p.defensiveArtifact].map((a) => ({ id: a.id, name: a.name }))),
      );
    };
    const fromPaths = await pathsWith('id name');
    assert.ok(fromPaths.length > 10, `${fromPaths.length} artifacts`);
    assert.deepEqual(fromPaths, await pathsWith('id name definition'));
    const rows = await graph.read('MATCH (a:Artifact) WHERE a.id IN $ids RETURN a.id AS id, a.name AS name', {
      ids: [...new Set(fromPaths.map((a) => a.id))],
    });
    const names = new Map(rows.map((row) => [row.id, row.name]));
    for (const a of fromPaths) assert.equal(a.name, names.get(a.id), a.id);
  });

  it('reports the ATT&CK ids D3FEND names that the loaded bundles lack, and links none of them', async () => {
    const ics = path.join(sharedData, 'attack', 'ics-attack.json');
    await resetGraph(graph);
    await seed(graph, { attack: [ics] }, { batchSize });
    const { links } = await seed(graph, { attack: [], d3fend: [ONTOLOGY] }, { batchSize });
    const loaded = new Set(
      loadObjects([ics])
        .filter((o) => o.type === 'attack-pattern')
        .map(externalId),
    );
    const missing = [...(rule?.attackIds ?? new Set<string>())].filter((id) => !loaded.has(id)).sort();
    assert.ok(missing.length > 100, `${missing.length} missing`);
    assert.deepEqual(links.missingAttackIds, missing);
    const [row] = await graph.read('UNWIND $ids AS id MATCH (t:Technique {id: id}) RETURN count(t) AS n', {
      ids: missing,
    });
    assert.equal(row?.n, 0);
  });

  it('refuses a broken ontology and leaves the graph as it was', async () => {
    const before = await fingerprint(graph);
    await assert.rejects(
      seed(graph, { attack: [], d3fend: [fixture('d3fend', 'truncated.ttl')] }, { batchSize }),
      (error: SourceError) => error instanceof SourceError && /^line \d+$/.test(error.position),
    );
    assert.deepEqual(await fingerprint(graph), before);
  });
});
