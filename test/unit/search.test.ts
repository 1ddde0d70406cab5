// The Lucene query built from what a user types: phrase, all words, prefixes, every special character escaped.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { luceneQuery } from '../../src/graph/read-search.js';

describe('luceneQuery', () => {
  it('boosts the phrase, then all words, then each word as a prefix', () => {
    assert.equal(
      luceneQuery(' pass  the hash '),
      '"pass the hash"^4 OR (pass AND the AND hash)^2 OR pass* OR the* OR hash*',
    );
  });

  it('escapes every Lucene operator, so no input can change the query', () => {
    assert.equal(
      luceneQuery('a:b (c) "d"'),
      '"a\\:b \\(c\\) \\"d\\""^4 OR (a\\:b AND \\(c\\) AND \\"d\\")^2 OR a\\:b* OR \\(c\\)* OR \\"d\\"*',
    );
    assert.equal(luceneQuery('T1550.001'), '"t1550.001"^4 OR (t1550.001)^2 OR t1550.001*');
    // Lucene's word operators are words here.
    assert.equal(luceneQuery('pass OR hash'), '"pass or hash"^4 OR (pass AND or AND hash)^2 OR pass* OR or* OR hash*');
    assert.equal(luceneQuery('   '), '');
  });
});
