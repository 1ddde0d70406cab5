// The response cache's version reads: shared among requests, never older than the request that uses them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ResponseCache, VersionReader } from '../../src/api/cache.js';

/** A version source whose reads the test finishes by hand; each read sees the version at the moment it started. */
function manualSource() {
  let version = 'v1';
  const pending: { resolve(): void; reject(error: Error): void }[] = [];
  return {
    setVersion(next: string) {
      version = next;
    },
    reads: () => pending.length,
    read(): Promise<string | null> {
      const seen = version;
      return new Promise((resolve, reject) => {
        pending.push({ resolve: () => resolve(seen), reject });
      });
    },
    async finish(index: number, error?: Error) {
      if (error) pending[index]?.reject(error);
      else pending[index]?.resolve();
      for (let i = 0; i < 5; i++) await Promise.resolve();
    },
  };
}

describe('VersionReader', () => {
  it('never answers a request with a read that started before the request arrived', async () => {
    const source = manualSource();
    const reader = new VersionReader(() => source.read());
    const first = reader.version();
    // A seed finishes while the first read is in flight; a request arriving now must see v2.
    source.setVersion('v2');
    const second = reader.version();
    const third = reader.version();
    assert.equal(source.reads(), 1, 'the later requests wait for the read in flight to finish');
    await source.finish(0);
    assert.equal(await first, 'v1');
    assert.equal(source.reads(), 2, 'then one read serves both later requests');
    await source.finish(1);
    assert.equal(await second, 'v2');
    assert.equal(await third, 'v2');
  });

  it('starts a fresh read when none is in flight', async () => {
    const source = manualSource();
    const reader = new VersionReader(() => source.read());
    const first = reader.version();
    await source.finish(0);
    assert.equal(await first, 'v1');
    source.setVersion('v3');
    const next = reader.version();
    assert.equal(source.reads(), 2);
    await source.finish(1);
    assert.equal(await next, 'v3');
  });

  it('passes a failed read to the requests that shared it, and recovers with the next', async () => {
    const source = manualSource();
    const reader = new VersionReader(() => source.read());
    const first = reader.version();
    const second = reader.version();
    await source.finish(0, new Error('unreachable'));
    await assert.rejects(first, /unreachable/);
    assert.equal(source.reads(), 2, 'the queued request still gets a read of its own');
    await source.finish(1, new Error('still unreachable'));
    await assert.rejects(second, /still unreachable/);
    const third = reader.version();
    await source.finish(2);
    assert.equal(await third, 'v1');
  });
});

describe('ResponseCache', () => {
  it('evicts the least recently used answers beyond its byte budget and refuses answers over an eighth of it', () => {
    const answer = (key: string) => ({ data: { text: key.repeat(100) } });
    const bytes = JSON.stringify(answer('x')).length * 2;
    const cache = new ResponseCache<{ data: { text: string } }>(bytes * 8);
    const keys = 'abcdefgh'.split('');
    for (const key of keys) cache.set(key, answer(key));
    assert.equal(cache.size, 8);
    assert.ok(cache.get('a'), 'a is used, so b is now the oldest');
    cache.set('i', answer('i'));
    assert.equal(cache.get('b'), undefined);
    assert.deepEqual(cache.get('a'), answer('a'));
    assert.deepEqual(cache.get('i'), answer('i'));
    assert.equal(cache.size, 8);
    cache.set('huge', { data: { text: 'h'.repeat(bytes) } });
    assert.equal(cache.get('huge'), undefined);
    assert.equal(cache.size, 8);
  });
});
