// The GraphQL API on a real Neo4j seeded with the real ATT&CK bundles; expected values come from the bundle JSON.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Graph } from '../../src/graph/driver.js';
import { clearListTotals, storeListTotals } from '../../src/graph/list-counts.js';
import { markGraphChanged } from '../../src/graph/upsert.js';
import { startTestServer, type TestServer } from '../helpers/api.js';
import { externalId, loadObjects, type StixLike } from '../helpers/bundles.js';
import { resetGraph, seedAttack, testGraph } from '../helpers/graph.js';
import { sharedData, skipWithoutSharedData } from '../helpers/paths.js';

const skip = skipWithoutSharedData();
const attack = (name: string) => path.join(sharedData, 'attack', name);
const ENTERPRISE = attack('enterprise-attack.json');

const current = (o: StixLike) => o.revoked !== true && o.x_mitre_deprecated !== true;

describe('the GraphQL API over ATT&CK v18.1', { skip }, () => {
  let graph: Graph;
  let api: TestServer;
  const objects = skip ? [] : loadObjects([ENTERPRISE]);
  const byId = new Map(objects.map((o) => [o.id, o]));
  const byExternal = (id: string, type: string) =>
    objects.find((o) => o.type === type && externalId(o) === id) as StixLike;
  const relationships = (type: string) =>
    objects.filter((o) => o.type === 'relationship' && o.relationship_type === type);
  const matrix = objects.find((o) => o.type === 'x-mitre-matrix') as StixLike;

  before(async () => {
    graph = testGraph();
    await resetGraph(graph);
    api = await startTestServer(graph);
  });
  after(async () => {
    await api?.stop();
    await graph?.close();
  });

  it('is live at once and ready only when ATT&CK is loaded', async () => {
    const base = api.url.replace('/graphql', '');
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    const notReady = await fetch(`${base}/readyz`);
    assert.equal(notReady.status, 503);
    assert.match(((await notReady.json()) as { reason: string }).reason, /no ATT&CK data loaded/);
    await seedAttack(graph, [ENTERPRISE, attack('mobile-attack.json'), attack('ics-attack.json')]);
    assert.equal((await fetch(`${base}/readyz`)).status, 200);
  });

  it('technique T1550.001: name, tactics in matrix order, parent, mitigations, groups', async () => {
    const technique = byExternal('T1550.001', 'attack-pattern');
    const tacticOf = new Map(
      objects.filter((o) => o.type === 'x-mitre-tactic').map((t) => [t.x_mitre_shortname as string, t]),
    );
    const tactics = (technique.kill_chain_phases ?? [])
      .map((p) => tacticOf.get(p.phase_name) as StixLike)
      .sort((a, b) => (matrix.tactic_refs ?? []).indexOf(a.id) - (matrix.tactic_refs ?? []).indexOf(b.id))
      .map((t) => ({ id: externalId(t), name: t.name }));
    const parentRef = relationships('subtechnique-of').find((r) => r.source_ref === technique.id)?.target_ref;
    const parent = byId.get(parentRef as string) as StixLike;
    const mitigations = relationships('mitigates')
      .filter((r) => r.target_ref === technique.id)
      .map((r) => byId.get(r.source_ref as string) as StixLike)
      .filter(current)
      .map((m) => externalId(m))
      .sort();
    const groups = relationships('uses')
      .filter((r) => r.target_ref === technique.id && r.source_ref?.startsWith('intrusion-set--'))
      .map((r) => byId.get(r.source_ref as string) as StixLike)
      .filter(current)
      .map((g) => externalId(g))
      .sort();

    const { data, errors } = await api.gql(`{
      technique(id: "T1550.001") {
        id name isSubtechnique domains
        tactics { id name }
        parent { id name }
        mitigations { id }
        groups(first: 100) { totalCount nodes { id } }
      }
    }`);
    assert.equal(errors, undefined);
    assert.deepEqual(data, {
      technique: {
        id: 'T1550.001',
        name: technique.name,
        isSubtechnique: true,
        domains: ['ENTERPRISE'],
        tactics,
        parent: { id: externalId(parent), name: parent.name },
        mitigations: mitigations.map((id) => ({ id })),
        groups: { totalCount: groups.length, nodes: groups.map((id) => ({ id })) },
      },
    });
    assert.deepEqual(tactics, [
      { id: 'TA0005', name: 'Defense Evasion' },
      { id: 'TA0008', name: 'Lateral Movement' },
    ]);
    assert.deepEqual(parent.name, 'Use Alternate Authentication Material');
  });

  it('lists the 14 enterprise tactics in matrix order', async () => {
    const expected = (matrix.tactic_refs ?? []).map((ref) => ({ id: externalId(byId.get(ref) as StixLike) }));
    const { data } = await api.gql('{ tactics(domain: ENTERPRISE) { id } }');
    assert.equal(expected.length, 14);
    assert.deepEqual(data, { tactics: expected });
  });

  it('pages through every current enterprise technique exactly once', async () => {
    const expected = objects
      .filter((o) => o.type === 'attack-pattern' && current(o))
      .map((o) => externalId(o))
      .sort();
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const { data, errors } = await api.gql(
        `query($after: String) { techniques(filter: {domain: ENTERPRISE}, first: 200, after: $after) {
          totalCount pageInfo { hasNextPage endCursor } nodes { id } } }`,
        { after },
      );
      assert.equal(errors, undefined);
      const page = (
        data as {
          techniques: {
            totalCount: number;
            pageInfo: { hasNextPage: boolean; endCursor: string };
            nodes: { id: string }[];
          };
        }
      ).techniques;
      assert.equal(page.totalCount, expected.length);
      seen.push(...page.nodes.map((n) => n.id));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    assert.deepEqual(seen, expected);
  });

  it('filters techniques by tactic and platform', async () => {
    const expected = objects
      .filter(
        (o) =>
          o.type === 'attack-pattern' &&
          current(o) &&
          !o.x_mitre_is_subtechnique &&
          (o.kill_chain_phases ?? []).some((p) => p.phase_name === 'credential-access') &&
          ((o.x_mitre_platforms as string[]) ?? []).includes('Linux'),
      )
      .map((o) => externalId(o))
      .sort();
    for (const tactic of ['TA0006', 'ta0006', 'credential-access', 'Credential-Access']) {
      const { data } = await api.gql(
        `query($tactic: String) { techniques(filter: {tactic: $tactic, platform: "linux",
          includeSubtechniques: false}, first: 500) { totalCount nodes { id } } }`,
        { tactic },
      );
      assert.deepEqual(
        data,
        { techniques: { totalCount: expected.length, nodes: expected.map((id) => ({ id })) } },
        tactic,
      );
    }
  });

  it('counts lists as the Enterprise bundle does, from the totals a seed stores or, without them, by counting', async () => {
    const types: Record<string, string[]> = {
      techniques: ['attack-pattern'],
      mitigations: ['course-of-action'],
      groups: ['intrusion-set'],
      softwareList: ['malware', 'tool'],
      campaigns: ['campaign'],
      dataComponents: ['x-mitre-data-component'],
      detectionStrategies: ['x-mitre-detection-strategy'],
    };
    const expected = Object.fromEntries(
      Object.entries(types).map(([field, stixTypes]) => [
        field,
        {
          totalCount: objects.filter(
            (o) =>
              stixTypes.includes(o.type) &&
              current(o) &&
              ((o.x_mitre_domains as string[] | undefined) ?? []).includes('enterprise-attack'),
          ).length,
        },
      ]),
    );
    const query = `{ ${Object.keys(types)
      .map((field) => `${field}(filter: {domain: ENTERPRISE}, first: 1) { totalCount }`)
      .join(' ')} }`;
    const stored = await api.gql(query);
    assert.deepEqual(stored.data, expected);
    // The seed stored the totals, and the page reads them: a total changed in the graph shows.
    const [version] = await graph.read('MATCH (v:GraphVersion) RETURN v.listKeys AS keys, v.listTotals AS totals');
    const keys = (version?.keys as string[] | undefined) ?? [];
    const position = keys.indexOf('Technique|enterprise-attack');
    assert.ok(position >= 0, `stored totals: ${keys.join(', ')}`);
    try {
      await graph.write((run) =>
        run(
          'MATCH (v:GraphVersion) SET v.listTotals = [i IN range(0, size(v.listTotals) - 1) | CASE WHEN i = $position THEN -1 ELSE v.listTotals[i] END]',
          { position },
        ),
      );
      await markGraphChanged(graph); // as every write does: the response cache keeps nothing from before
      const changed = await api.gql('{ techniques(filter: {domain: ENTERPRISE}, first: 1) { totalCount } }');
      assert.deepEqual(changed.data, { techniques: { totalCount: -1 } });
      // Without stored totals (a seed under way clears them), pages count.
      await clearListTotals(graph);
      await markGraphChanged(graph);
      assert.deepEqual((await api.gql(query)).data, expected);
    } finally {
      // The later tests of this file read the totals as the seed stored them.
      await storeListTotals(graph);
      await markGraphChanged(graph);
    }
    assert.deepEqual((await api.gql(query)).data, expected);
  });

  it('answers reverse fields: a group and its techniques', async () => {
    const group = byExternal('G0016', 'intrusion-set');
    const expected = relationships('uses')
      .filter((r) => r.source_ref === group.id && r.target_ref?.startsWith('attack-pattern--'))
      .map((r) => byId.get(r.target_ref as string) as StixLike)
      .filter(current).length;
    const { data } = await api.gql('{ group(id: "g0016") { name techniques(first: 0) { totalCount } } }');
    assert.deepEqual(data, { group: { name: group.name, techniques: { totalCount: expected } } });
  });

  it('finds a revoked technique by id, with its replacement, and hides it from lists', async () => {
    const revoked = relationships('revoked-by').find((r) => r.source_ref?.startsWith('attack-pattern--')) as StixLike;
    const old = byId.get(revoked.source_ref as string) as StixLike;
    const replacement = byId.get(revoked.target_ref as string) as StixLike;
    const { data } = await api.gql(
      `query($id: ID!, $text: String) { technique(id: $id) { revoked revokedBy { id } }
        techniques(filter: {text: $text}) { nodes { id } } }`,
      { id: externalId(old), text: old.name },
    );
    const result = data as { technique: unknown; techniques: { nodes: { id: string }[] } };
    assert.deepEqual(result.technique, { revoked: true, revokedBy: { id: externalId(replacement) } });
    assert.ok(!result.techniques.nodes.some((n) => n.id === externalId(old)));
  });

  it('returns null for unknown ids and BAD_USER_INPUT for malformed arguments', async () => {
    const unknown = await api.gql(
      '{ technique(id: "T9999") { id } group(id: "G9999") { id } software(id: "S9999") { id } }',
    );
    assert.deepEqual(unknown, { data: { technique: null, group: null, software: null } });

    const bad = async (query: string) => {
      const { errors } = await api.gql(query);
      assert.equal(errors?.length, 1, query);
      return { code: errors?.[0]?.extensions?.code, message: errors?.[0]?.message };
    };
    assert.deepEqual(await bad('{ technique(id: "hello") { id } }'), {
      code: 'BAD_USER_INPUT',
      message:
        '"id" must be an ATT&CK Technique id such as T1550 or T1550.001, or a STIX id (attack-pattern--<uuid>); got "hello"',
    });
    assert.deepEqual(await bad('{ techniques(first: 100000) { totalCount } }'), {
      code: 'BAD_USER_INPUT',
      message: '"first" must be an integer from 0 to 500, got 100000',
    });
    assert.deepEqual(await bad('{ techniques(after: "bogus") { totalCount } }'), {
      code: 'BAD_USER_INPUT',
      message: '"after" must be a cursor returned by this API (pageInfo.endCursor), got "bogus"',
    });
  });

  it('runs a number of Cypher queries that does not grow with the page size (no N+1)', async () => {
    const queriesFor = async (first: number) => {
      const sent: { cypher: string; params: Record<string, unknown> }[] = [];
      const stop = graph.onQuery((cypher, params) => {
        sent.push({ cypher, params });
      });
      const { data, errors } = await api.gql(
        `query($first: Int) { techniques(filter: {domain: ENTERPRISE}, first: $first) {
          nodes { stixId tactics { id } mitigations { id } groups(first: 5) { totalCount nodes { id } } } } }`,
        { first },
      );
      stop();
      assert.equal(errors, undefined);
      const page = (data as { techniques: { nodes: { stixId: string }[] } }).techniques.nodes.map((n) => n.stixId);
      assert.equal(page.length, first);
      return { sent, page };
    };
    for (const first of [5, 50]) {
      const { sent, page } = await queriesFor(first);
      // The graph version (response cache), then the page with the three relationship fields of its techniques.
      assert.equal(sent.length, 2, `${first} techniques`);
      assert.equal(page.length, first);
      const related = sent.filter((q) => q.cypher.includes('[r:'));
      assert.equal(related.length, 1);
      for (const type of ['IN_TACTIC', 'MITIGATES', 'USES']) assert.ok(related[0]?.cypher.includes(`[r:${type}]`));
    }
    // A relation field below the page's nodes (their groups' techniques) is one more statement, whatever the page
    // (the first 20 techniques include some that groups use).
    for (const first of [20, 50]) {
      let statements = 0;
      const stop = graph.onQuery(() => {
        statements++;
      });
      const { errors } = await api.gql(
        'query($first: Int) { techniques(first: $first) { nodes { groups(first: 3) { nodes { techniques(first: 2) { totalCount } } } } } }',
        { first },
      );
      stop();
      assert.equal(errors, undefined);
      assert.equal(statements, 3, `${first} techniques`);
    }
  });

  it('answers SERVICE_UNAVAILABLE, and /readyz 503, while Neo4j is unreachable', async () => {
    const { Graph } = await import('../../src/graph/driver.js');
    const { config } = await import('../../src/config.js');
    const down = new Graph({ ...config.neo4j, uri: 'bolt://127.0.0.1:7998', maxRetryMs: 500 });
    const outage = await startTestServer(down);
    try {
      const { data, errors } = await outage.gql('{ technique(id: "T1550.001") { id } }');
      assert.deepEqual(data, { technique: null });
      assert.deepEqual(
        errors?.map((e) => [e.message, e.extensions?.code]),
        [['The graph database is not reachable right now; retry shortly.', 'SERVICE_UNAVAILABLE']],
      );
      const ready = await fetch(outage.url.replace('/graphql', '/readyz'));
      assert.equal(ready.status, 503);
      assert.match(((await ready.json()) as { reason: string }).reason, /^Neo4j unreachable: /);
    } finally {
      await outage.stop();
      await down.close();
    }
  });

  it('shows Apollo Sandbox to a browser in development', async () => {
    const response = await fetch(api.url, { headers: { accept: 'text/html' } });
    assert.equal(response.status, 200);
    assert.match(await response.text(), /sandbox/i);
  });
});
