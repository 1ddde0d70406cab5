// Paging arguments and cursors, and id arguments: what is accepted and the exact errors for what is not.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { connectionFromList, encodeCursor, pageWindow } from '../../src/api/connection.js';
import { checkId } from '../../src/api/resolvers/shared.js';

const cursorOf = (text: string) => Buffer.from(text).toString('base64url');

describe('pageWindow', () => {
  it('defaults to the first page of 50, and continues after a cursor', () => {
    assert.deepEqual(pageWindow({}, 500), { offset: 0, limit: 50 });
    assert.deepEqual(pageWindow({ first: 10, after: encodeCursor(19) }, 500), { offset: 20, limit: 10 });
    assert.deepEqual(pageWindow({ first: 0 }, 500), { offset: 0, limit: 0 });
  });

  it('rejects first out of range', () => {
    for (const first of [-1, 501, 1.5]) {
      assert.throws(() => pageWindow({ first }, 500), {
        message: `"first" must be an integer from 0 to 500, got ${first}`,
      });
    }
  });

  it('rejects cursors it did not make, including huge and non-canonical offsets', () => {
    for (const text of ['offset:2147483646', 'offset:1e3', 'offset:', 'offset:-1', 'offset:01', 'page:3']) {
      const after = cursorOf(text);
      assert.throws(
        () => pageWindow({ after }, 500),
        (error: Error & { extensions?: { code?: string } }) => {
          assert.equal(
            error.message,
            `"after" must be a cursor returned by this API (pageInfo.endCursor), got "${after}"`,
          );
          assert.equal(error.extensions?.code, 'BAD_USER_INPUT');
          return true;
        },
      );
    }
  });
});

describe('connectionFromList', () => {
  const items = ['a', 'b', 'c', 'd', 'e'].map((node) => ({ node }));

  it('slices a list into pages with cursors that continue where the page ended', () => {
    const first = connectionFromList(items, { first: 2 });
    assert.deepEqual(first, {
      edges: [
        { cursor: encodeCursor(0), node: 'a', description: null },
        { cursor: encodeCursor(1), node: 'b', description: null },
      ],
      nodes: ['a', 'b'],
      pageInfo: { hasNextPage: true, hasPreviousPage: false, startCursor: encodeCursor(0), endCursor: encodeCursor(1) },
      totalCount: 5,
    });
    const last = connectionFromList(items, { first: 2, after: encodeCursor(3) });
    assert.deepEqual(last.nodes, ['e']);
    assert.deepEqual(last.pageInfo, {
      hasNextPage: false,
      hasPreviousPage: true,
      startCursor: encodeCursor(4),
      endCursor: encodeCursor(4),
    });
  });
});

describe('checkId', () => {
  it('normalises ATT&CK ids and accepts STIX ids', () => {
    assert.equal(checkId('Technique', 't1550.001'), 'T1550.001');
    assert.equal(checkId('Group', 'g0016'), 'G0016');
    const stix = 'attack-pattern--00000000-0000-4000-8000-00000000c002';
    assert.equal(checkId('Technique', stix), stix);
  });

  it('says what is allowed', () => {
    assert.throws(() => checkId('Tactic', 'TA5'), {
      message:
        '"id" must be an ATT&CK Tactic id such as TA0005 (or an Enterprise short name such as defense-evasion), ' +
        'or a STIX id (x-mitre-tactic--<uuid>); got "TA5"',
    });
    assert.throws(() => checkId('Technique', "T1003' OR 1=1 //"), {
      message:
        '"id" must be an ATT&CK Technique id such as T1550 or T1550.001, or a STIX id (attack-pattern--<uuid>); ' +
        `got "T1003' OR 1=1 //"`,
    });
  });
});
