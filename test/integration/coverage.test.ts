// Coverage on the real data against an independent computation from the source files, and its query budget.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Graph } from '../../src/graph/driver.js';
import { seed } from '../../src/seed/pipeline.js';
import { startTestServer, type TestServer } from '../helpers/api.js';
import { externalId, loadObjects, type StixLike } from '../helpers/bundles.js';
import { expectedCountermeasures } from '../helpers/d3fend-rule.js';
import { scanAtomicTests, scanSigmaRules } from '../helpers/evidence.js';
import { assertBasePropertiesDeclared, countQueries, resetGraph, testGraph } from '../helpers/graph.js';
import { sharedData, skipWithoutSharedData } from '../helpers/paths.js';

const skip = skipWithoutSharedData();
const ENTERPRISE = path.join(sharedData, 'attack', 'enterprise-attack.json');
const ONTOLOGY = path.join(sharedData, 'd3fend', 'd3fend.ttl');
const SIGMA = path.join(sharedData, 'sigma');
const ATOMICS = path.join(sharedData, 'atomic-red-team', 'atomics');

interface Expected {
  techniques: number;
  detected: number;
  countered: number;
  tested: number;
}

describe('coverage on the real data', { skip }, () => {
  let graph: Graph;
  let api: TestServer;
  const objects = skip ? [] : loadObjects([ENTERPRISE]);
  const byStix = new Map(objects.map((o) => [o.id, o]));
  const current = objects.filter((o) => o.type === 'attack-pattern' && !o.revoked && !o.x_mitre_deprecated);
  const tacticId = new Map(
    objects
      .filter((o) => o.type === 'x-mitre-tactic')
      .map((t) => [t.x_mitre_shortname as string, externalId(t) as string]),
  );
  const tacticsOf = (t: StixLike) => (t.kill_chain_phases ?? []).map((p) => tacticId.get(p.phase_name) as string);
  const parentOf = new Map<string, string>();
  const replacedBy = new Map<string, string>();
  for (const r of objects.filter((o) => o.type === 'relationship')) {
    const from = byStix.get(r.source_ref as string);
    const to = byStix.get(r.target_ref as string);
    if (!from || !to) continue;
    if (r.relationship_type === 'subtechnique-of') parentOf.set(externalId(from) as string, externalId(to) as string);
    if (r.relationship_type === 'revoked-by' && from.type === 'attack-pattern') {
      replacedBy.set(externalId(from) as string, externalId(to) as string);
    }
  }
  // Sigma: technique id -> levels of the rules that tag it (revoked tags reach their replacements); by default only
  // rules whose status is stable, test or experimental count.
  const ruleLevels = new Map<string, number[]>();
  // Every rule, whatever its status, with the technique ids it reaches.
  const allRules: { status: string; level: number; tags: Set<string> }[] = [];
  const tested = new Set<string>();
  // Atomic: technique id -> how many tests its file has (one auto_generated_guid each).
  const testCounts = new Map<string, number>();
  let countered = new Set<string>();

  before(async () => {
    for (const rule of await scanSigmaRules(SIGMA)) {
      const tags = new Set<string>();
      for (const tag of rule.techniqueIds) {
        for (let id: string | undefined = tag; id && !tags.has(id); id = replacedBy.get(id)) tags.add(id);
      }
      allRules.push({ status: rule.status, level: rule.level, tags });
      if (!['stable', 'test', 'experimental'].includes(rule.status)) continue;
      for (const id of tags) ruleLevels.set(id, [...(ruleLevels.get(id) ?? []), rule.level]);
    }
    for (const [id, count] of await scanAtomicTests(ATOMICS)) {
      if (count > 0) tested.add(id);
      testCounts.set(id, count);
    }
    const rule = expectedCountermeasures(ONTOLOGY);
    countered = new Set([...rule.expected].filter(([, byDefender]) => byDefender.size > 0).map(([id]) => id));

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

  /** The independent expectation: the techniques counted, each with its tactics and flags. */
  const expectCounted = (inScope: (t: StixLike) => boolean, minLevel: number, rollUp: boolean) => {
    const detected = (id: string) => (ruleLevels.get(id) ?? []).some((l) => l >= minLevel);
    const family = (t: StixLike) => [
      t,
      ...current.filter((s) => parentOf.get(externalId(s) as string) === externalId(t)),
    ];
    const counted = current
      .filter((t) => !rollUp || !t.x_mitre_is_subtechnique)
      .filter((t) => (rollUp ? family(t).some(inScope) : inScope(t)))
      .map((t) => {
        const ids = (rollUp ? family(t).filter(inScope) : [t]).map((x) => externalId(x) as string);
        return {
          id: externalId(t) as string,
          tactics: tacticsOf(t),
          detected: ids.some(detected),
          countered: ids.some((id) => countered.has(id)),
          tested: ids.some((id) => tested.has(id)),
        };
      });
    return counted;
  };

  /** The independent expectation: per tactic and in total, for techniques passing `inScope`. */
  const expect = (inScope: (t: StixLike) => boolean, minLevel: number, rollUp: boolean) => {
    const counted = expectCounted(inScope, minLevel, rollUp);
    const counts = (list: typeof counted): Expected => ({
      techniques: list.length,
      detected: list.filter((t) => t.detected).length,
      countered: list.filter((t) => t.countered).length,
      tested: list.filter((t) => t.tested).length,
    });
    const tacticOrder = (objects.find((o) => o.type === 'x-mitre-matrix')?.tactic_refs ?? []).map(
      (ref) => externalId(byStix.get(ref) as StixLike) as string,
    );
    return {
      totals: counts(counted),
      tactics: tacticOrder.map((id) => ({ id, ...counts(counted.filter((t) => t.tactics.includes(id))) })),
    };
  };

  const actual = async (filter: string) => {
    const { data, errors } = await api.gql(`{ coverage(filter: ${filter}) {
      totals { techniques detected countered tested }
      tactics { tactic { id } counts { techniques detected countered tested } } } }`);
    assert.equal(errors, undefined, JSON.stringify(errors));
    const coverage = (
      data as { coverage: { totals: Expected; tactics: { tactic: { id: string }; counts: Expected }[] } }
    ).coverage;
    return { totals: coverage.totals, tactics: coverage.tactics.map((t) => ({ id: t.tactic.id, ...t.counts })) };
  };

  /** What the groups, software or campaigns with these ATT&CK ids use, from the bundle's `uses` relationships. */
  const usedBy = (types: string[], ids: string[]) => {
    const users = new Set(
      objects.filter((o) => types.includes(o.type) && ids.includes(externalId(o) as string)).map((o) => o.id),
    );
    assert.equal(users.size, ids.length, `${ids.join(', ')} in the bundle`);
    return new Set(
      objects
        .filter((r) => r.type === 'relationship' && r.relationship_type === 'uses' && users.has(r.source_ref as string))
        .map((r) => r.target_ref as string),
    );
  };
  const groupTechniques = (groupId: string) => usedBy(['intrusion-set'], [groupId]);

  it('holds no base property that reads of its label leave out (BASE_PROPERTIES)', async () => {
    const labels = await assertBasePropertiesDeclared(graph);
    for (const label of [
      'Technique',
      'Group',
      'SigmaRule',
      'AtomicTest',
      'D3fendTechnique',
      'D3fendTactic',
      'Artifact',
    ]) {
      assert.ok(labels.includes(label), `the real data holds ${label} nodes`);
    }
  });

  it('the whole enterprise matrix', async () => {
    assert.deepEqual(
      await actual('{}'),
      expect(() => true, 0, false),
    );
  });

  it('the whole matrix with sub-techniques rolled up into their parents', async () => {
    assert.deepEqual(
      await actual('{rollUpSubtechniques: true}'),
      expect(() => true, 0, true),
    );
  });

  it('one platform', async () => {
    const windows = (t: StixLike) => ((t.x_mitre_platforms as string[]) ?? []).includes('Windows');
    assert.deepEqual(await actual('{platforms: ["windows"]}'), expect(windows, 0, false));
  });

  it('one threat group, with and without roll-up', async () => {
    const used = groupTechniques('G0016');
    assert.deepEqual(
      await actual('{groups: ["G0016"]}'),
      expect((t) => used.has(t.id), 0, false),
    );
    assert.deepEqual(
      await actual('{groups: ["G0016"], rollUpSubtechniques: true}'),
      expect((t) => used.has(t.id), 0, true),
    );
  });

  it('a threat profile of software, a campaign and groups together, with and without roll-up', async () => {
    const used = new Set([
      ...usedBy(['malware', 'tool'], ['S0154', 'S0002']),
      ...usedBy(['campaign'], ['C0024']),
      ...usedBy(['intrusion-set'], ['G0007', 'G0016']),
    ]);
    const profile = 'software: ["S0154", "s0002"], campaigns: ["C0024"], groups: ["G0007", "G0016"]';
    assert.deepEqual(
      await actual(`{${profile}}`),
      expect((t) => used.has(t.id), 0, false),
    );
    assert.deepEqual(
      await actual(`{${profile}, rollUpSubtechniques: true, platforms: ["Linux"]}`),
      expect((t) => used.has(t.id) && ((t.x_mitre_platforms as string[]) ?? []).includes('Linux'), 0, true),
    );
  });

  it('lists every technique it counts with its tactics and flags (what the coverage page colours)', async () => {
    const used = groupTechniques('G0016');
    const cases = [
      ['{}', () => true, false],
      ['{groups: ["G0016"], rollUpSubtechniques: true}', (t: StixLike) => used.has(t.id), true],
    ] as const;
    for (const [filter, inScope, rollUp] of cases) {
      const { data, errors } = await api.gql(
        `{ coverage(filter: ${filter}) { techniques { id name parentId tacticIds detected countered tested } } }`,
      );
      assert.equal(errors, undefined, JSON.stringify(errors));
      const techniques = (
        data as {
          coverage: {
            techniques: {
              id: string;
              name: string;
              parentId: string | null;
              tacticIds: string[];
              detected: boolean;
              countered: boolean;
              tested: boolean;
            }[];
          };
        }
      ).coverage.techniques;
      const expected = expectCounted(inScope, 0, rollUp)
        .map((t) => ({ ...t, tactics: [...t.tactics].sort() }))
        .sort((a, b) => (a.id < b.id ? -1 : 1));
      assert.deepEqual(
        techniques.map(({ id, tacticIds, detected, countered, tested }) => ({
          id,
          tactics: [...tacticIds].sort(),
          detected,
          countered,
          tested,
        })),
        expected,
        filter,
      );
      const named = new Map(current.map((t) => [externalId(t), t.name]));
      for (const t of techniques) {
        assert.equal(t.name, named.get(t.id), t.id);
        assert.equal(t.parentId, parentOf.get(t.id) ?? null, t.id);
      }
    }
  });

  it("counts each technique's Sigma rules at every minimum level and its Atomic tests as the files do", async () => {
    const levels = [null, 'INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];
    for (const [rank, level] of levels.entries()) {
      const filter = level === null ? '{}' : `{sigmaMinLevel: ${level}}`;
      const { data, errors } = await api.gql(
        `{ coverage(filter: ${filter}) { techniques { id sigmaRules atomicTests } } }`,
      );
      assert.equal(errors, undefined, JSON.stringify(errors));
      const found = (data as { coverage: { techniques: { id: string; sigmaRules: number; atomicTests: number }[] } })
        .coverage.techniques;
      const expected = current
        .map((t) => externalId(t) as string)
        .sort()
        .map((id) => ({
          id,
          sigmaRules: (ruleLevels.get(id) ?? []).filter((l) => level === null || l >= rank - 1).length,
          atomicTests: testCounts.get(id) ?? 0,
        }));
      assert.deepEqual(found, expected, filter);
      // Not a comparison of zeros: the files have rules at this level.
      assert.ok(
        expected.some((t) => t.sigmaRules > 0),
        filter,
      );
    }
  });

  it('counts the Sigma rules of the statuses a filter names, at a level, as the files do', async () => {
    const cases = [
      ['{sigmaStatuses: [STABLE]}', ['stable'], -1],
      ['{sigmaStatuses: [TEST, DEPRECATED], sigmaMinLevel: HIGH}', ['test', 'deprecated'], 3],
    ] as const;
    for (const [filter, statuses, minLevel] of cases) {
      const { data, errors } = await api.gql(`{ coverage(filter: ${filter}) { techniques { id sigmaRules } } }`);
      assert.equal(errors, undefined, JSON.stringify(errors));
      const found = (data as { coverage: { techniques: { id: string; sigmaRules: number }[] } }).coverage.techniques;
      const expected = current
        .map((t) => externalId(t) as string)
        .sort()
        .map((id) => ({
          id,
          sigmaRules: allRules.filter(
            (r) => r.tags.has(id) && (statuses as readonly string[]).includes(r.status) && r.level >= minLevel,
          ).length,
        }));
      assert.deepEqual(found, expected, filter);
      assert.ok(
        expected.some((t) => t.sigmaRules > 0),
        filter,
      );
    }
  });

  it('one Sigma level filter', async () => {
    assert.deepEqual(
      await actual('{sigmaMinLevel: HIGH}'),
      expect(() => true, 3, false),
    );
  });

  it("gives each technique's own coverage field the counts of the files: Sigma rules by level and status, Atomic tests", async () => {
    // Each selection in a request of its own, since a request reads what all its fields need: without a filter the
    // field reads only the counts the seed stored; with a level alone it counts from them too; with statuses it
    // filters each rule's facts.
    const selections = {
      plain: 'coverage { sigmaRules atomicTests countered }',
      high: 'coverage(filter: {sigmaMinLevel: HIGH}) { sigmaRules atomicTests countered }',
      stableOrTest: 'coverage(filter: {sigmaStatuses: [STABLE, TEST]}) { sigmaRules }',
    };
    const coverageOf = async (selection: string) => {
      const seen = new Map<string, Record<string, unknown>>();
      let after: string | null = null;
      do {
        const { data, errors } = await api.gql(
          `query($after: String) { techniques(filter: {domain: ENTERPRISE}, first: 500, after: $after) {
             pageInfo { hasNextPage endCursor } nodes { id ${selection} } } }`,
          { after },
        );
        assert.equal(errors, undefined, JSON.stringify(errors));
        type Page = {
          pageInfo: { hasNextPage: boolean; endCursor: string };
          nodes: { id: string; coverage: Record<string, unknown> }[];
        };
        const page = (data as { techniques: Page }).techniques;
        for (const node of page.nodes) seen.set(node.id, node.coverage);
        after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
      } while (after);
      assert.equal(seen.size, current.length, selection);
      return seen;
    };
    const plain = await coverageOf(selections.plain);
    const high = await coverageOf(selections.high);
    const stableOrTest = await coverageOf(selections.stableOrTest);
    for (const t of current) {
      const id = externalId(t) as string;
      const levels = ruleLevels.get(id) ?? [];
      const atomicTests = testCounts.get(id) ?? 0;
      assert.deepEqual(plain.get(id), { sigmaRules: levels.length, atomicTests, countered: countered.has(id) }, id);
      assert.deepEqual(
        high.get(id),
        { sigmaRules: levels.filter((level) => level >= 3).length, atomicTests, countered: countered.has(id) },
        id,
      );
      assert.deepEqual(
        stableOrTest.get(id),
        { sigmaRules: allRules.filter((r) => ['stable', 'test'].includes(r.status) && r.tags.has(id)).length },
        id,
      );
    }
  });

  it("makes a Navigator layer (4.5) with the format's fields and types, one entry per technique and tactic", async () => {
    const { data, errors } = await api.gql('{ navigatorLayer(filter: {groups: ["G0016"]}, score: COMBINED) }');
    assert.equal(errors, undefined);
    const layer = JSON.parse((data as { navigatorLayer: string }).navigatorLayer) as Record<string, unknown>;
    const type = (value: unknown) => (Array.isArray(value) ? 'array' : typeof value);
    const fields: Record<string, string> = {
      name: 'string',
      versions: 'object',
      domain: 'string',
      description: 'string',
      sorting: 'number',
      layout: 'object',
      hideDisabled: 'boolean',
      techniques: 'array',
      gradient: 'object',
      legendItems: 'array',
      metadata: 'array',
      links: 'array',
      showTacticRowBackground: 'boolean',
      tacticRowBackground: 'string',
      selectTechniquesAcrossTactics: 'boolean',
      selectSubtechniquesWithParent: 'boolean',
      selectVisibleTechniques: 'boolean',
    };
    assert.deepEqual(Object.fromEntries(Object.keys(layer).map((k) => [k, type(layer[k])])), fields);
    assert.deepEqual(layer.versions, { navigator: '5.1.0', layer: '4.5' });
    assert.equal(layer.domain, 'enterprise-attack');
    const gradient = layer.gradient as { colors: string[]; minValue: number; maxValue: number };
    assert.ok(
      gradient.colors.every((c) => /^#[0-9a-f]{6}([0-9a-f]{2})?$/i.test(c)) && gradient.maxValue >= gradient.minValue,
    );
    const shortnames = new Set(tacticId.keys());
    const entries = layer.techniques as Record<string, unknown>[];
    for (const entry of entries) {
      assert.match(String(entry.techniqueID), /^T\d{4}(\.\d{3})?$/);
      assert.ok(shortnames.has(String(entry.tactic)), String(entry.tactic));
      assert.ok(Number.isInteger(entry.score) && (entry.score as number) >= 0 && (entry.score as number) <= 3);
      assert.deepEqual(
        [
          type(entry.color),
          type(entry.comment),
          type(entry.enabled),
          type(entry.metadata),
          type(entry.links),
          type(entry.showSubtechniques),
        ],
        ['string', 'string', 'boolean', 'array', 'array', 'boolean'],
      );
    }
    const used = groupTechniques('G0016');
    const expected = current
      .filter((t) => used.has(t.id))
      .flatMap((t) => tacticsOf(t).map((ta) => `${externalId(t)} ${ta}`));
    const shortToId = new Map([...tacticId].map(([short, id]) => [short, id]));
    assert.deepEqual(entries.map((e) => `${e.techniqueID} ${shortToId.get(String(e.tactic))}`).sort(), expected.sort());
  });

  /** What `work` returns, and how many full-text statements the API sent for it. */
  const searchStatements = async <T>(work: () => Promise<T>) => {
    let statements = 0;
    const stop = graph.onQuery((cypher) => {
      if (cypher.includes('db.index.fulltext.queryNodes')) statements++;
    });
    try {
      return { result: await work(), statements };
    } finally {
      stop();
    }
  };

  it('finds what a user means: ids, names, aliases, phrases, in any source', async () => {
    const search = async (text: string, types?: string) => {
      const { data, errors } = await api.gql(
        `query($text: String!) { search(text: $text, first: 5${types ? `, types: [${types}]` : ''}) { type node {
          ... on Technique { id } ... on Group { id } ... on Software { id } ... on D3fendTechnique { id }
          ... on SigmaRule { id } ... on Artifact { id } ... on Mitigation { id } ... on Campaign { id } } } }`,
        { text },
      );
      assert.equal(errors, undefined, JSON.stringify(errors));
      return (data as { search: { type: string; node: { id: string } }[] }).search.map((h) => `${h.type} ${h.node.id}`);
    };
    const t1550 = await search('t1550');
    assert.equal(t1550[0], 'TECHNIQUE T1550');
    assert.ok(t1550.includes('TECHNIQUE T1550.001'), t1550.join(', '));
    assert.ok((await search('pass the hash')).includes('TECHNIQUE T1550.002'));
    assert.equal((await search('APT29'))[0], 'GROUP G0016');
    // An exact id of any searchable ATT&CK type comes first, whatever its case.
    assert.equal((await search('g0016'))[0], 'GROUP G0016');
    assert.equal((await search('S0002'))[0], 'SOFTWARE S0002');
    assert.equal((await search('m1026'))[0], 'MITIGATION M1026');
    assert.equal((await search('Cozy Bear', 'GROUP'))[0], 'GROUP G0016');
    assert.equal((await search('Decoy Session Token'))[0], 'D3FEND_TECHNIQUE D3-DST');
    assert.ok((await search('mimikatz', 'SOFTWARE')).every((h) => h.startsWith('SOFTWARE ')));
    assert.ok(!(await search('T1527')).includes('TECHNIQUE T1527'), 'revoked techniques are left out');
    assert.ok((await search('pass OR hash')).length > 0);
    await search('AND'); // a Lucene operator alone is a word: no error (search() asserts there is none)
    const { result: none, statements } = await searchStatements(() => search('a:b (c "d" ~ * ? \\ /'));
    assert.deepEqual(none, []);
    // Fewer hits than first, but Lucene returned fewer than it was asked for (none): no second search statement.
    assert.equal(statements, 1);
  });

  it('finds every match of a type that the top hits of other types crowd out', async () => {
    // Techniques and Sigma rules fill the best hits of "credential dumping"; a search for groups alone must still
    // find every current group with a word starting "credential" or "dumping" in its name, aliases or description
    // (words roughly as the standard analyzer splits them: runs of letters, digits and "_"; it also joins letters
    // across ".", ":" and "'", which changes nothing here).
    const word = /(?:^|[^\p{L}\p{N}_])(?:credential|dumping)/iu;
    const expected = objects
      .filter((o) => o.type === 'intrusion-set' && !o.revoked && !o.x_mitre_deprecated)
      .filter((g) =>
        [g.name, ...((g.aliases as string[] | undefined) ?? []), g.description as string | undefined].some((t) =>
          word.test(t ?? ''),
        ),
      )
      .map((g) => externalId(g) as string);
    assert.ok(expected.length > 0 && expected.length <= 20, `${expected.length} groups: all fit in one answer`);
    const {
      result: { data, errors },
      statements,
    } = await searchStatements(() =>
      api.gql(
        'query($text: String!) { search(text: $text, types: [GROUP], first: 20) { type node { ... on Group { id } } } }',
        { text: 'credential dumping' },
      ),
    );
    assert.equal(errors, undefined, JSON.stringify(errors));
    // The first attempt's hits hold too few groups: the search runs again over all hits.
    assert.equal(statements, 2);
    const hits = (data as { search: { type: string; node: { id: string } }[] }).search;
    assert.deepEqual(hits.map((h) => h.node.id).sort(), expected.sort());
    assert.ok(hits.every((h) => h.type === 'GROUP'));
  });

  it('ranks gaps by how many groups use them, counted from the bundle', async () => {
    const { data } = await api.gql('{ coverage { gaps(first: 10) { nodes { usedBy technique { id stixId } } } } }');
    const gaps = (
      data as { coverage: { gaps: { nodes: { usedBy: number; technique: { id: string; stixId: string } }[] } } }
    ).coverage.gaps.nodes;
    const groupsUsing = (stixId: string) =>
      new Set(
        objects
          .filter((r) => r.type === 'relationship' && r.relationship_type === 'uses' && r.target_ref === stixId)
          .map((r) => byStix.get(r.source_ref as string))
          .filter((g) => g?.type === 'intrusion-set' && !g.revoked && !g.x_mitre_deprecated)
          .map((g) => g?.id),
      ).size;
    assert.ok(gaps.length === 10);
    for (const gap of gaps) assert.equal(gap.usedBy, groupsUsing(gap.technique.stixId), gap.technique.id);
    assert.deepEqual(
      gaps.map((g) => g.usedBy),
      [...gaps.map((g) => g.usedBy)].sort((a, b) => b - a),
    );
  });

  it('refuses an unknown tactic and writes platforms into a layer as the data spells them', async () => {
    const bad = await api.gql('{ coverage(filter: {tactics: ["Credential Access"]}) { totals { techniques } } }');
    assert.equal(bad.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    assert.match(bad.errors?.[0]?.message ?? '', /unknown: "Credential Access"$/);
    const { data } = await api.gql('{ navigatorLayer(filter: {platforms: ["WINDOWS", "macos"]}) }');
    const layer = JSON.parse((data as { navigatorLayer: string }).navigatorLayer) as {
      filters: { platforms: string[] };
    };
    assert.deepEqual(layer.filters.platforms.sort(), ['Windows', 'macOS']);
  });

  it('answers a coverage request and its gaps in a number of queries that does not grow with the page', async () => {
    const queriesFor = (first: number, techniqueFields = 'id name') =>
      countQueries(graph, async () => {
        const { errors } = await api.gql(
          `query($first: Int) { coverage { totals { techniques } tactics { tactic { name } counts { detected } }
          gaps(first: $first) { nodes { usedBy technique { ${techniqueFields} }
          countermeasures { technique { id tactic { name } } } } } } }`,
          { first },
        );
        assert.equal(errors, undefined);
      });
    // The graph version (response cache), rows, tactics, and the gaps' countermeasures (in D3FEND tactic order, each
    // with its tactic's name: no tactic list); a gap's technique id and name come from its coverage row.
    assert.equal(await queriesFor(10), 4);
    assert.equal(await queriesFor(200), 4);
    // More of a technique than its id and name: the gaps' techniques too, in one statement.
    assert.equal(await queriesFor(10, 'id name description'), 5);
    assert.equal(await queriesFor(200, 'name platforms'), 5);
  });

  it("gives a gap's technique the same id and name whether it comes from the coverage row or from its node", async () => {
    const gapsWith = async (fields: string) => {
      const { data, errors } = await api.gql(`{ coverage(filter: {platforms: ["macOS"]}) {
        gaps(first: 300) { nodes { technique { ${fields} } } } techniques { technique { ${fields} } } } }`);
      assert.equal(errors, undefined);
      type Named = { technique: { id: string; name: string } };
      const { coverage } = data as { coverage: { gaps: { nodes: Named[] }; techniques: Named[] } };
      return [...coverage.gaps.nodes, ...coverage.techniques].map(({ technique: { id, name } }) => ({ id, name }));
    };
    const fromRows = await gapsWith('id name');
    assert.ok(fromRows.length > 100, `${fromRows.length} techniques`);
    assert.deepEqual(fromRows, await gapsWith('id name description'));
    for (const { id, name } of fromRows) assert.equal(name, current.find((o) => externalId(o) === id)?.name, id);
  });
});
