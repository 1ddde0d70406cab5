// ATT&CK version drift on the real data: v17.1 against v18.1, expected changes computed here from the two bundles.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SourceError } from '../../src/errors.js';
import type { Graph } from '../../src/graph/driver.js';
import { seed } from '../../src/seed/pipeline.js';
import { startTestServer, type TestServer } from '../helpers/api.js';
import { externalId, loadObjects, type StixLike } from '../helpers/bundles.js';
import { expectedCountermeasures } from '../helpers/d3fend-rule.js';
import { scanAtomicTests, scanSigmaRules } from '../helpers/evidence.js';
import { resetGraph, testGraph } from '../helpers/graph.js';
import { fixture, sharedData, skipWithoutSharedData } from '../helpers/paths.js';

const skip = skipWithoutSharedData();
const CURRENT = path.join(sharedData, 'attack', 'enterprise-attack.json');
const PREVIOUS = path.join(sharedData, 'attack', 'previous', 'enterprise-attack-v17.1.json');
const ONTOLOGY = path.join(sharedData, 'd3fend', 'd3fend.ttl');
const SIGMA = path.join(sharedData, 'sigma');
const ATOMICS = path.join(sharedData, 'atomic-red-team', 'atomics');
const COUNTED_STATUSES = ['stable', 'test', 'experimental'];

/** A release as the test reads it straight from its bundle. */
function releaseOf(file: string) {
  const objects = loadObjects([file]);
  const byStix = new Map(objects.map((o) => [o.id, o]));
  const techniques = new Map(
    objects.filter((o) => o.type === 'attack-pattern').map((o) => [o.id, o] as [string, StixLike]),
  );
  const current = (o: StixLike) => o.revoked !== true && o.x_mitre_deprecated !== true;
  // By ATT&CK id; where two share one, the current one.
  const byId = new Map<string, StixLike>();
  for (const t of techniques.values()) {
    const id = externalId(t) as string;
    const had = byId.get(id);
    if (!had || (!current(had) && current(t))) byId.set(id, t);
  }
  const revokedBy = new Map<string, string[]>();
  for (const r of objects) {
    if (r.type !== 'relationship' || r.relationship_type !== 'revoked-by') continue;
    const [from, to] = [techniques.get(r.source_ref as string), techniques.get(r.target_ref as string)];
    if (from && to)
      revokedBy.set(externalId(from) as string, [
        ...(revokedBy.get(externalId(from) as string) ?? []),
        externalId(to) as string,
      ]);
  }
  /** Current techniques that replace a revoked id, the chain followed. */
  const replacements = (id: string) => {
    const seen = new Set([id]);
    const found = new Set<string>();
    for (let frontier = [id]; frontier.length > 0; ) {
      frontier = frontier.flatMap((x) => revokedBy.get(x) ?? []).filter((x) => !seen.has(x));
      for (const x of frontier) {
        seen.add(x);
        if (current(byId.get(x) as StixLike)) found.add(x);
      }
    }
    return [...found].sort();
  };
  const matrix = objects.find((o) => o.type === 'x-mitre-matrix' && o.revoked !== true);
  const tactics = (matrix?.tactic_refs ?? []).map((ref) => byStix.get(ref) as StixLike);
  const tacticsOf = (t: StixLike) => (t.kill_chain_phases ?? []).map((p) => p.phase_name);
  return { techniques, byId, current, replacements, tactics, tacticsOf };
}

describe('ATT&CK version drift: v17.1 against v18.1', { skip }, () => {
  let graph: Graph;
  let api: TestServer;
  const old = skip ? null : releaseOf(PREVIOUS);
  const now = skip ? null : releaseOf(CURRENT);

  before(async () => {
    graph = testGraph();
    await resetGraph(graph);
    await seed(
      graph,
      {
        attack: [`18.1=${CURRENT}`],
        attackReleases: [PREVIOUS],
        d3fend: [ONTOLOGY],
        sigma: [{ name: 'sigmahq', location: SIGMA }],
        atomic: [ATOMICS],
      },
      { batchSize: 5000 },
    );
    api = await startTestServer(graph);
  });
  after(async () => {
    await api?.stop();
    await graph?.close();
  });

  const changes = async (selection: string, args = 'from: "17.1", to: "18.1"') => {
    const { data, errors } = await api.gql(`{ attackChanges(${args}) { ${selection} } }`);
    assert.equal(errors, undefined, JSON.stringify(errors));
    return (data as { attackChanges: Record<string, unknown> }).attackChanges;
  };

  /** The changes computed here from the two bundles: STIX id -> kinds, with the technique as shown. */
  const expectedChanges = () => {
    const o = old as ReturnType<typeof releaseOf>;
    const n = now as ReturnType<typeof releaseOf>;
    const sameSet = (a: unknown[], b: unknown[]) =>
      new Set(a).size === new Set(b).size && b.every((x) => a.includes(x));
    const expected = new Map<string, string[]>();
    for (const stixId of new Set([...o.techniques.keys(), ...n.techniques.keys()])) {
      const [b, a] = [o.techniques.get(stixId), n.techniques.get(stixId)];
      const kinds: string[] = [];
      if (!b && a && n.current(a)) kinds.push('ADDED');
      if (b && !a && o.current(b)) kinds.push('REMOVED');
      if (b && a && o.current(b)) {
        if (a.revoked === true) kinds.push('REVOKED');
        else if (a.x_mitre_deprecated === true) kinds.push('DEPRECATED');
        else {
          if (a.name !== b.name) kinds.push('RENAMED');
          if (!sameSet(o.tacticsOf(b), n.tacticsOf(a))) kinds.push('TACTICS_CHANGED');
          const platforms = (t: StixLike) => (t.x_mitre_platforms as string[] | undefined) ?? [];
          if (!sameSet(platforms(b), platforms(a))) kinds.push('PLATFORMS_CHANGED');
          if ((a.description ?? '') !== (b.description ?? '')) kinds.push('DESCRIPTION_CHANGED');
        }
      }
      if (kinds.length > 0) expected.set(stixId, kinds);
    }
    return expected;
  };

  it('keeps both releases side by side; the one the graph comes from is current', async () => {
    const { data, errors } = await api.gql('{ attackReleases { domain version current techniques } }');
    assert.equal(errors, undefined);
    const count = (release: ReturnType<typeof releaseOf>) =>
      [...release.techniques.values()].filter(release.current).length;
    assert.deepEqual((data as { attackReleases: unknown[] }).attackReleases, [
      { domain: 'ENTERPRISE', version: '17.1', current: false, techniques: count(old as ReturnType<typeof releaseOf>) },
      { domain: 'ENTERPRISE', version: '18.1', current: true, techniques: count(now as ReturnType<typeof releaseOf>) },
    ]);
  });

  it('lists every technique added, removed, revoked, deprecated, renamed, moved, or changed in platforms or description', async () => {
    const n = now as ReturnType<typeof releaseOf>;
    const expected = expectedChanges();
    const result = (await changes(
      'changes { id kinds before { stixId } after { stixId } replacedBy { id } } summary { kind count }',
    )) as {
      changes: {
        id: string;
        kinds: string[];
        before: { stixId: string } | null;
        after: { stixId: string } | null;
        replacedBy: { id: string }[];
      }[];
      summary: { kind: string; count: number }[];
    };
    const got = new Map(result.changes.map((c) => [(c.after ?? c.before)?.stixId as string, c.kinds]));
    assert.deepEqual(got, expected);
    // Between 17.1 and 18.1 nothing was revoked, deprecated, removed or moved (revocations are in the unit tests).
    for (const kind of ['ADDED', 'RENAMED', 'PLATFORMS_CHANGED', 'DESCRIPTION_CHANGED']) {
      assert.ok(
        [...expected.values()].some((k) => k.includes(kind)),
        `the data has ${kind} techniques`,
      );
    }
    for (const { kind, count } of result.summary) {
      assert.equal(count, [...expected.values()].filter((k) => k.includes(kind)).length, kind);
    }
    for (const c of result.changes.filter((x) => x.kinds.includes('REVOKED'))) {
      assert.deepEqual(
        c.replacedBy.map((r) => r.id),
        n.replacements(c.id),
        c.id,
      );
    }
    const filtered = (await changes('changes(kinds: [ADDED]) { id }')) as { changes: unknown[] };
    assert.equal(filtered.changes.length, [...expected.values()].filter((k) => k.includes('ADDED')).length);
  });

  it('names the rules and tests that point at techniques not current in v18.1, and where they should point', async () => {
    const o = old as ReturnType<typeof releaseOf>;
    const n = now as ReturnType<typeof releaseOf>;
    const ruleIds = new Set((await scanSigmaRules(SIGMA)).flatMap((r) => r.techniqueIds));
    const testIds = new Set((await scanAtomicTests(ATOMICS)).keys());
    const expected = [...new Set([...ruleIds, ...testIds])]
      .filter((id) => !n.byId.has(id) || !n.current(n.byId.get(id) as StixLike))
      .sort()
      .map((id) => {
        const t = n.byId.get(id);
        const status = !t ? 'UNKNOWN' : t.revoked === true ? 'REVOKED' : 'DEPRECATED';
        return {
          techniqueId: id,
          status,
          replacements: status === 'REVOKED' ? n.replacements(id) : [],
          newlyStale: o.byId.has(id) && o.current(o.byId.get(id) as StixLike),
          hasRules: ruleIds.has(id),
          hasTests: testIds.has(id),
        };
      });
    const result = (await changes(
      'staleReferences { techniqueId status replacements { id } newlyStale sigmaRules { id } atomicTests { guid } }',
    )) as {
      staleReferences: {
        techniqueId: string;
        status: string;
        replacements: { id: string }[];
        newlyStale: boolean;
        sigmaRules: unknown[];
        atomicTests: unknown[];
      }[];
    };
    assert.deepEqual(
      result.staleReferences.map((s) => ({
        techniqueId: s.techniqueId,
        status: s.status,
        replacements: s.replacements.map((r) => r.id),
        newlyStale: s.newlyStale,
        hasRules: s.sigmaRules.length > 0,
        hasTests: s.atomicTests.length > 0,
      })),
      expected,
    );
    assert.ok(
      expected.some((s) => s.status === 'REVOKED' && s.replacements.length > 0),
      'revoked tags in the data',
    );
    const newly = (await changes('staleReferences(newlyStaleOnly: true) { techniqueId }')) as {
      staleReferences: { techniqueId: string }[];
    };
    assert.deepEqual(
      newly.staleReferences.map((s) => s.techniqueId),
      expected.filter((s) => s.newlyStale).map((s) => s.techniqueId),
    );
  });

  it('counts coverage per tactic in each release with the rules, tests and countermeasures of today', async () => {
    const rules = (await scanSigmaRules(SIGMA)).filter((r) => COUNTED_STATUSES.includes(r.status));
    const tested = new Set([...(await scanAtomicTests(ATOMICS))].filter(([, n]) => n > 0).map(([id]) => id));
    const countered = new Set(
      [...expectedCountermeasures(ONTOLOGY).expected].filter(([, d]) => d.size > 0).map(([id]) => id),
    );
    const expectedOf = (release: ReturnType<typeof releaseOf>) => {
      const detected = new Set<string>();
      for (const rule of rules) {
        for (const tag of rule.techniqueIds) {
          const t = release.byId.get(tag);
          if (!t) continue;
          detected.add(tag);
          if (t.revoked === true) for (const r of release.replacements(tag)) detected.add(r);
        }
      }
      const current = [...release.byId.values()].filter(release.current);
      const counts = (list: StixLike[]) => {
        const ids = list.map((t) => externalId(t) as string);
        return {
          techniques: ids.length,
          detected: ids.filter((id) => detected.has(id)).length,
          countered: ids.filter((id) => countered.has(id)).length,
          tested: ids.filter((id) => tested.has(id)).length,
        };
      };
      return {
        totals: counts(current),
        tactics: new Map(
          release.tactics.map((tactic) => [
            tactic.x_mitre_shortname as string,
            counts(current.filter((t) => release.tacticsOf(t).includes(tactic.x_mitre_shortname as string))),
          ]),
        ),
      };
    };
    const COUNTS = 'techniques detected countered tested';
    const result = (await changes(
      `tactics { tactic { shortname } before { ${COUNTS} } after { ${COUNTS} } }
       totalsBefore { ${COUNTS} } totalsAfter { ${COUNTS} }`,
    )) as {
      tactics: { tactic: { shortname: string }; before: unknown; after: unknown }[];
      totalsBefore: unknown;
      totalsAfter: unknown;
    };
    const [b, a] = [expectedOf(old as ReturnType<typeof releaseOf>), expectedOf(now as ReturnType<typeof releaseOf>)];
    assert.deepEqual(result.totalsBefore, b.totals);
    assert.deepEqual(result.totalsAfter, a.totals);
    const shortnames = [
      ...(now as ReturnType<typeof releaseOf>).tactics.map((t) => t.x_mitre_shortname as string),
      ...(old as ReturnType<typeof releaseOf>).tactics
        .map((t) => t.x_mitre_shortname as string)
        .filter((s) => !(now as ReturnType<typeof releaseOf>).tactics.some((t) => t.x_mitre_shortname === s)),
    ];
    assert.deepEqual(
      result.tactics.map((t) => t.tactic.shortname),
      shortnames,
    );
    for (const t of result.tactics) {
      assert.deepEqual(t.before, b.tactics.get(t.tactic.shortname) ?? null, `${t.tactic.shortname} before`);
      assert.deepEqual(t.after, a.tactics.get(t.tactic.shortname) ?? null, `${t.tactic.shortname} after`);
    }
    // The newer release is the graph's: its numbers are the coverage query's.
    const { data } = await api.gql(`{ coverage { totals { ${COUNTS} } } }`);
    assert.deepEqual((data as { coverage: { totals: unknown } }).coverage.totals, result.totalsAfter);
  });

  it('gives a Navigator layer of the differences over v18.1', async () => {
    const result = (await changes(
      'navigatorLayer changes { id kinds before { tactics } after { tactics revoked deprecated } }',
    )) as {
      navigatorLayer: string;
      changes: {
        id: string;
        kinds: string[];
        before: { tactics: string[] } | null;
        after: { tactics: string[]; revoked: boolean; deprecated: boolean } | null;
      }[];
    };
    const layer = JSON.parse(result.navigatorLayer) as {
      domain: string;
      versions: { attack: string; layer: string };
      techniques: { techniqueID: string; tactic: string; score: number; comment: string }[];
      legendItems: { label: string }[];
    };
    assert.equal(layer.domain, 'enterprise-attack');
    assert.deepEqual([layer.versions.attack, layer.versions.layer], ['18', '4.5']);
    // Each changed technique under its tactics in v18.1 (in v17.1 when it is no longer current), scored by its kinds.
    const o = old as ReturnType<typeof releaseOf>;
    const n = now as ReturnType<typeof releaseOf>;
    const expected = [...expectedChanges()]
      .flatMap(([stixId, kinds]) => {
        const after = n.techniques.get(stixId);
        const shown = after && n.current(after) ? after : (o.techniques.get(stixId) as StixLike);
        const tactics = shown === after ? n.tacticsOf(shown) : o.tacticsOf(shown);
        return tactics.map((tactic) => `${externalId(shown)}/${tactic}/${kinds.length}`);
      })
      .sort();
    assert.deepEqual(layer.techniques.map((t) => `${t.techniqueID}/${t.tactic}/${t.score}`).sort(), expected);
    const renamed = result.changes.find((c) => c.kinds[0] === 'RENAMED');
    const entry = layer.techniques.find((t) => t.techniqueID === renamed?.id);
    assert.match(entry?.comment ?? '', /^renamed from "/);
    assert.ok(layer.legendItems.length > 1);
  });

  it('refuses a release that is not kept, naming the kept ones', async () => {
    const { errors } = await api.gql('{ attackChanges(from: "16.0", to: "18.1") { summary { count } } }');
    assert.equal(errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    assert.match(
      errors?.[0]?.message ?? '',
      /^"from" must be an ATT&CK release kept in the graph for enterprise-attack \(17\.1, 18\.1\)/,
    );
  });

  it('keeps a release without touching the graph, and refuses a bundle that names no release', async () => {
    const before = await graph.read(
      `MATCH (t:Technique) WITH count(t) AS techniques
       MATCH (d:Dataset {name: 'attack:enterprise-attack'}) RETURN techniques, d.version AS version, d.loadedAt AS loadedAt`,
    );
    await seed(graph, { attack: [], attackReleases: [`17.1=${PREVIOUS}`] }, { batchSize: 5000 });
    const again = await graph.read(
      `MATCH (t:Technique) WITH count(t) AS techniques
       MATCH (d:Dataset {name: 'attack:enterprise-attack'}) RETURN techniques, d.version AS version, d.loadedAt AS loadedAt`,
    );
    assert.deepEqual(again, before);
    await assert.rejects(
      seed(graph, { attack: [], attackReleases: [fixture('attack', 'mini-enterprise.json')] }, { batchSize: 5000 }),
      (error: unknown) =>
        error instanceof SourceError &&
        /mini-enterprise\.json/.test(error.message) &&
        /names no ATT&CK release/.test(error.message) &&
        /18\.1=/.test(error.message),
    );
    const { data } = await api.gql('{ attackReleases { version } }');
    assert.deepEqual(data, { attackReleases: [{ version: '17.1' }, { version: '18.1' }] });
  });
});
