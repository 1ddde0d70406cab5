// Coverage arithmetic on small literal rows: counting, percentages, sub-technique roll-up, gap ranking.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CoverageRow } from '../../src/graph/read-coverage.js';
import { countedTechniques, coverageOf } from '../../src/report/coverage.js';

const row = (id: string, fields: Partial<CoverageRow> = {}): CoverageRow => ({
  stixId: `attack-pattern--${id}`,
  id,
  parentId: null,
  tactics: ['TA0005'],
  inScope: true,
  sigmaRules: 0,
  countermeasures: 0,
  atomicTests: 0,
  mitigations: 0,
  usedBy: 0,
  ...fields,
});

const rows = [
  row('T1550', { countermeasures: 2, usedBy: 1 }),
  row('T1550.001', { parentId: 'T1550', sigmaRules: 3, tactics: ['TA0005', 'TA0008'], usedBy: 4 }),
  row('T1550.002', { parentId: 'T1550', inScope: false, atomicTests: 1 }),
  row('T1003', { tactics: ['TA0006'], usedBy: 9 }),
  row('T1078', { tactics: ['TA0005'], usedBy: 9, inScope: false }),
];
const tactics = ['TA0005', 'TA0006', 'TA0008'].map((id) => ({ id, shortname: id.toLowerCase() }));

describe('coverageOf', () => {
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

  it('rolls sub-techniques up: a parent is covered when itself or a sub-technique is, in scope when any is', () => {
    const rolled = countedTechniques(rows, true);
    assert.deepEqual(
      rolled.map((t) => [t.id, t.detected, t.countered, t.tested, t.sigmaRules, t.usedBy]),
      [
        ['T1550', true, true, true, 3, 4],
        ['T1003', false, false, false, 0, 9],
      ],
    );
    assert.equal(coverageOf(rows, tactics, true, null).rollUpSubtechniques, true);
  });

  it('keeps only the asked tactics', () => {
    const model = coverageOf(rows, tactics, false, new Set(['TA0006']));
    assert.deepEqual([model.tactics.map((t) => t.tactic.id), model.totals.techniques], [['TA0006'], 1]);
  });
});
