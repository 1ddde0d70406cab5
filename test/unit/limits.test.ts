// The query measure behind the limits: cost multiplied by `first`, and fragments measured once however often spread.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type OperationDefinitionNode, parse } from 'graphql';
import { measure } from '../../src/api/limits.js';

const LIMITS = { maxDepth: 15, maxAliases: 50, maxCost: 100_000, defaultPageSize: 50, maxPageSize: 500 };
const measureOf = (query: string, variables: Record<string, unknown> = {}) => {
  const document = parse(query);
  return measure(document, document.definitions[0] as OperationDefinitionNode, variables, LIMITS);
};

describe('query measure', () => {
  it('multiplies by first: techniques(first: 50) { nodes { id tactics { id } } } costs 1 + 50 * (1 + 1 + (1 + 10))', () => {
    // Depth counts nested selection sets: techniques { nodes { tactics { … } } } is 3.
    assert.deepEqual(measureOf('{ techniques(first: 50) { nodes { id tactics { id } } } }'), {
      depth: 3,
      aliases: 0,
      cost: 1 + 50 * (1 + 1 + (1 + 10)),
    });
    assert.equal(measureOf('query($n: Int) { techniques(first: $n) { nodes { id } } }', { n: 7 }).cost, 1 + 7 * 2);
  });

  it('counts a fragment wherever it is spread, aliases in it included', () => {
    const query = `{ a: technique(id: "T1") { ...F } b: technique(id: "T2") { ...F } }
      fragment F on Technique { x: id name }`;
    assert.deepEqual(measureOf(query), { depth: 1, aliases: 4, cost: 2 * (1 + 2) });
  });

  it('measures a fragment bomb (each of 30 fragments spreads the one below twice) without expanding it', () => {
    const fragments = Array.from({ length: 30 }, (_, i) =>
      i === 0
        ? 'fragment F0 on Technique { id }'
        : `fragment F${i} on Technique { ...F${i - 1} parent { ...F${i - 1} } }`,
    );
    const { depth, cost } = measureOf(`{ technique(id: "T1") { ...F29 } } ${fragments.join(' ')}`);
    assert.equal(depth, 30);
    // cost(F0) = 1; cost(Fi) = 2 cost(Fi-1) + 1, so cost(F29) = 2^30 - 1, plus the technique field.
    assert.equal(cost, 2 ** 30);
  });

  it('does not loop on a fragment cycle (validation refuses it)', () => {
    const { depth } = measureOf(
      '{ technique(id: "T1") { ...A } } fragment A on Technique { parent { ...B } } fragment B on Technique { parent { ...A } }',
    );
    assert.ok(depth >= 2);
  });
});
