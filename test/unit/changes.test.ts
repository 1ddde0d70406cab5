// Version drift arithmetic on hand-made catalogues: kinds of change, revocation chains, stale references, counts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EvidenceRows, TacticVersionRow, TechniqueVersionRow } from '../../src/graph/read-releases.js';
import { changesLayer, compareReleases } from '../../src/report/changes.js';
import { versionedLocation } from '../../src/seed/attack/release.js';

const technique = (id: string, more: Partial<TechniqueVersionRow> = {}): TechniqueVersionRow => ({
  stixId: `attack-pattern--${id}`,
  id,
  name: `Technique ${id}`,
  tactics: ['execution'],
  platforms: ['Windows'],
  descriptionHash: 'same',
  revoked: false,
  deprecated: false,
  revokedBy: [],
  parentId: null,
  ...more,
});
const tactic = (shortname: string, order: number): TacticVersionRow => ({
  stixId: `x-mitre-tactic--${shortname}`,
  id: `TA${order}`,
  name: shortname,
  shortname,
  order,
});
const evidence = (more: Partial<EvidenceRows> = {}): EvidenceRows => ({
  sigmaRules: [],
  atomicTests: [],
  countermeasures: [],
  ...more,
});
const STATUSES = ['stable', 'test', 'experimental'];

describe('versionedLocation', () => {
  it('reads a release in front of a location, and leaves other `=` alone', () => {
    assert.deepEqual(versionedLocation('18.1=data/enterprise.json'), {
      version: '18.1',
      location: 'data/enterprise.json',
    });
    assert.deepEqual(versionedLocation('17=x.json'), { version: '17', location: 'x.json' });
    assert.deepEqual(versionedLocation('data/a=b.json'), { version: null, location: 'data/a=b.json' });
    assert.deepEqual(versionedLocation('https://x/y.json?v=1'), { version: null, location: 'https://x/y.json?v=1' });
  });
});

describe('compareReleases', () => {
  const tactics = [tactic('execution', 1), tactic('persistence', 2)];

  it('tells each kind of change apart, and a technique may change in several ways', () => {
    const from = [
      technique('T1'),
      technique('T2'),
      technique('T3'),
      technique('T4'),
      technique('T5', { tactics: ['execution', 'persistence'] }),
      technique('T6'),
      technique('T9', { deprecated: true }),
    ];
    const to = [
      technique('T1'),
      technique('T2', { name: 'New name', platforms: ['Linux', 'Windows'] }),
      technique('T3', { revoked: true, revokedBy: ['T7'] }),
      technique('T4', { deprecated: true }),
      // The same tactics in another order: not a move.
      technique('T5', { tactics: ['persistence', 'execution'], descriptionHash: 'other' }),
      technique('T7'),
      technique('T9', { deprecated: true }),
    ];
    const result = compareReleases({ techniques: from, tactics }, { techniques: to, tactics }, evidence(), STATUSES);
    assert.deepEqual(
      result.changes.map((c) => [c.id, c.kinds]),
      [
        ['T2', ['RENAMED', 'PLATFORMS_CHANGED']],
        ['T3', ['REVOKED']],
        ['T4', ['DEPRECATED']],
        ['T5', ['DESCRIPTION_CHANGED']],
        ['T6', ['REMOVED']],
        ['T7', ['ADDED']],
      ],
    );
    assert.deepEqual(
      result.changes.find((c) => c.id === 'T3')?.replacedBy.map((r) => r.id),
      ['T7'],
    );
  });

  it('follows revocation chains to current techniques, and names stale references by status', () => {
    const from = [technique('T1'), technique('T2'), technique('T5', { deprecated: true })];
    const to = [
      technique('T1', { revoked: true, revokedBy: ['T2'] }),
      technique('T2', { revoked: true, revokedBy: ['T3'] }),
      technique('T3'),
      technique('T5', { deprecated: true }),
    ];
    const result = compareReleases(
      { techniques: from, tactics },
      { techniques: to, tactics },
      evidence({
        sigmaRules: [
          { uid: 's:a', status: 'test', techniqueIds: ['T1', 'T3'] },
          { uid: 's:b', status: 'deprecated', techniqueIds: ['T5', 'T8'] },
        ],
        atomicTests: [{ guid: 'g1', techniqueId: 'T1' }],
      }),
      STATUSES,
    );
    assert.deepEqual(
      result.stale.map((s) => ({
        id: s.techniqueId,
        status: s.status,
        to: s.replacements.map((r) => r.id),
        newly: s.newlyStale,
        rules: s.sigmaRules,
        tests: s.atomicTests,
      })),
      [
        { id: 'T1', status: 'REVOKED', to: ['T3'], newly: true, rules: ['s:a'], tests: ['g1'] },
        { id: 'T5', status: 'DEPRECATED', to: [], newly: false, rules: ['s:b'], tests: [] },
        { id: 'T8', status: 'UNKNOWN', to: [], newly: false, rules: ['s:b'], tests: [] },
      ],
    );
    // Before, T1 and T2 are current (only T1 tagged and counted); after, only T3, reached from T1 through T2.
    assert.deepEqual([result.totalsBefore.techniques, result.totalsBefore.detected], [2, 1]);
    assert.deepEqual(
      [result.totalsAfter.techniques, result.totalsAfter.detected, result.totalsAfter.tested],
      [1, 1, 0],
    );
  });

  it('counts coverage per tactic in each release, tactics only one release has left null on the other side', () => {
    const result = compareReleases(
      { techniques: [technique('T1'), technique('T2', { tactics: ['persistence'] })], tactics },
      {
        techniques: [technique('T1'), technique('T2', { tactics: ['stealth'] })],
        tactics: [tactic('execution', 1), tactic('stealth', 2)],
      },
      evidence({
        countermeasures: [{ id: 'D3-X', counters: ['T2'] }],
        atomicTests: [{ guid: 'g', techniqueId: 'T1' }],
      }),
      STATUSES,
    );
    assert.deepEqual(
      result.tactics.map((t) => [t.tactic.shortname, t.before?.techniques ?? null, t.after?.techniques ?? null]),
      [
        ['execution', 1, 1],
        ['stealth', null, 1],
        ['persistence', 1, null],
      ],
    );
    assert.equal(result.tactics.find((t) => t.tactic.shortname === 'stealth')?.after?.countered, 1);
    assert.equal(result.tactics[0]?.after?.testedPercent, 100);
  });

  it('draws a layer entry per changed technique and tactic, coloured by its first kind', () => {
    const result = compareReleases(
      { techniques: [technique('T1', { tactics: ['execution', 'persistence'] }), technique('T2')], tactics },
      { techniques: [technique('T1', { tactics: ['execution'] }), technique('T2', { revoked: true })], tactics },
      evidence(),
      STATUSES,
    );
    const layer = changesLayer(result.changes, { domain: 'enterprise-attack', from: '17.1', to: '18.1' }) as {
      techniques: { techniqueID: string; tactic: string; color: string; comment: string }[];
      versions: { attack: string };
    };
    assert.equal(layer.versions.attack, '18');
    assert.deepEqual(
      layer.techniques.map((t) => [t.techniqueID, t.tactic, t.comment]),
      [
        ['T1', 'execution', 'tactics execution, persistence -> execution'],
        ['T2', 'execution', 'revoked'],
      ],
    );
  });
});
