// Coverage arithmetic on small literal rows: counting, percentages, sub-technique roll-up, gap ranking.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CoverageRow } from '../../src/graph/read-coverage.js';
import { countedTechniques, coverageOf } from '../../src/report/coverage.js';

const row = (id: string, fields: Partial<CoverageRow> = {}): CoverageRow => ({
  stixId: `attack-pattern--${id}`,
  id,
  name: `Technique ${id}`,
  parentId: null,
  tactics: ['TA0005'],
  inScope: true,
  sigmaRules: 0,
  countermeasures: 0,
  atomicTests: 0,
  mitigations: 0,
  users: [],
  platforms: ['Windows'],
  ...fields,
});
const groups = (n: number) => Array.from({ length: n }, (_, i) => `intrusion-set--${i}`);

const rows = [
  row('T1550', { countermeasures: 2, users: groups(1) }),
  row('T1550.001', { parentId: 'T1550', sigmaRules: 3, tactics: ['TA0005', 'TA0008'], users: groups(4) }),
  row('T1550.002', { parentId: 'T1550', inScope: false, atomicTests: 1, users: ['intrusion-set--x'] }),
  row('T1003', { tactics: ['TA0006'], users: groups(9) }),
  row('T1078', { tactics: ['TA0005'], users: groups(9), inScope: false }),
];
const tactics = ['TA0005', 'TA0006', 'TA0008'].map((id) => ({ id, shortname: id.toLowerCase() }));

describe('coverageOf', () => {
  it('counts claimed techniques, a parent claimed through a sub-technique in scope when rolled up', () => {
    const claimedRows = rows.map((r) => ({ ...r, claimed: r.id === 'T1550.001' || r.id === 'T1550.002' }));
    assert.deepEqual(
      [
        coverageOf(claimedRows, tactics, false, null).totals.claimed,
        coverageOf(claimedRows, tactics, false, null).totals.claimedPercent,
      ],
      [1, 33.3],
    );
    // T1550.002 is out of scope: only T1550.001 makes its parent claimed.
    const rolled = coverageOf(claimedRows, tactics, true, null);
    assert.deepEqual(
      rolled.techniques.map((t) => [t.id, t.claimed]),
      [
        ['T1003', false],
        ['T1550', true],
      ],
    );
  });

  it('counts techniques and sub-techniques each on their own', () => {
    const model = coverageOf(rows, tactics, false, null);
    assert.deepEqual(model.totals, {
      techniques: 3,
      detected: 1,
      countered: 1,
      tested: 0,
      detectedPercent: 33.3,
      counteredPercent: 33.3,
      testedPercent: 0,
      claimed: 0,
      claimedPercent: 0,
    });
    assert.deepEqual(
      model.tactics.map((t) => [t.tactic.id, t.counts.techniques, t.counts.detected]),
      [
        ['TA0005', 2, 1],
        ['TA0006', 1, 0],
        ['TA0008', 1, 1],
      ],
    );
    assert.deepEqual(
      model.gaps.map((g) => [g.id, g.usedBy]),
      [
        ['T1003', 9],
        ['T1550', 1],
      ],
    );
  });

  it('rolls sub-techniques in scope up: a parent is covered when itself or one of them is, users merged', () => {
    const rolled = countedTechniques(rows, true);
    // T1550.002 is out of scope: its test does not make T1550 tested, its user does not count.
    assert.deepEqual(
      rolled.map((t) => [t.id, t.detected, t.countered, t.tested, t.sigmaRules, t.usedBy]),
      [
        ['T1550', true, true, false, 3, 4],
        ['T1003', false, false, false, 0, 9],
      ],
    );
    // A parent out of scope is counted through its sub-techniques in scope.
    const viaSub = countedTechniques(
      [row('T1', { inScope: false, sigmaRules: 5 }), row('T1.001', { parentId: 'T1', users: groups(2) })],
      true,
    );
    assert.deepEqual(
      viaSub.map((t) => [t.id, t.sigmaRules, t.detected, t.usedBy]),
      [['T1', 0, false, 2]],
    );
    assert.equal(coverageOf(rows, tactics, true, null).rollUpSubtechniques, true);
  });

  it('keeps only the asked tactics', () => {
    const model = coverageOf(rows, tactics, false, new Set(['TA0006']));
    assert.deepEqual([model.tactics.map((t) => t.tactic.id), model.totals.techniques], [['TA0006'], 1]);
  });

  it('copies each row with every field and its flags, leaving the rows read untouched', () => {
    const before = structuredClone(rows);
    for (const rollUp of [false, true]) {
      const counted = countedTechniques(rows, rollUp);
      for (const t of counted) {
        assert.ok(!rows.includes(t), `${t.id} is a copy`);
        // Every field of the row, and the flags and counts coverage adds.
        assert.deepEqual(
          Object.keys(t).sort(),
          [...Object.keys(row('T0')), 'claimed', 'countered', 'detected', 'tested', 'usedBy'].sort(),
        );
      }
      const t1003 = counted.find((t) => t.id === 'T1003');
      assert.deepEqual(t1003, {
        ...row('T1003', { tactics: ['TA0006'], users: groups(9) }),
        claimed: false,
        detected: false,
        countered: false,
        tested: false,
        usedBy: 9,
      });
    }
    assert.deepEqual(rows, before);
  });
});
