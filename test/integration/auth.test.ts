// Optional API keys on a real server: Bearer keys needed everywhere but the probes, and never shown anywhere.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseApiKeys } from '../../src/config.js';
import type { Graph } from '../../src/graph/driver.js';
import { startTestServer, type TestServer } from '../helpers/api.js';
import { testGraph } from '../helpers/graph.js';

const KEYS = ['first-key-0123456789abcdef', 'second-key-fedcba9876543210'];
const QUERY = JSON.stringify({ query: '{ datasets { name } }' });

describe('API keys', () => {
  let graph: Graph;
  let api: TestServer;
  let base: string;
  const written: string[] = [];
  const restore: (() => void)[] = [];

  before(async () => {
    // Everything the process writes while keys are in use, to look for them afterwards.
    for (const stream of [process.stdout, process.stderr]) {
      const write = stream.write.bind(stream);
      stream.write = ((chunk: unknown, ...rest: unknown[]) => {
        written.push(String(chunk));
        return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
      }) as typeof stream.write;
      restore.push(() => {
        stream.write = write;
      });
    }
    graph = testGraph();
    api = await startTestServer(graph, { apiKeys: KEYS, landingPage: true });
    base = api.url.replace(/\/graphql$/, '');
  });
  after(async () => {
    for (const undo of restore) undo();
    await api?.stop();
    await graph?.close();
  });

  const post = (authorization?: string) =>
    fetch(api.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
      body: QUERY,
    });

  it('refuses GraphQL without a key, with a wrong key or a wrong scheme: 401, UNAUTHENTICATED, a Bearer challenge', async () => {
    for (const authorization of [undefined, 'Bearer nope', `Bearer ${KEYS[0]}x`, `Basic ${KEYS[0]}`, KEYS[0]]) {
      const response = await post(authorization);
      assert.equal(response.status, 401, String(authorization));
      assert.equal(response.headers.get('www-authenticate'), 'Bearer');
      const body = (await response.json()) as { errors: { extensions: { code: string } }[] };
      assert.equal(body.errors[0]?.extensions.code, 'UNAUTHENTICATED');
    }
  });

  it('answers with any configured key, the scheme in any case', async () => {
    for (const authorization of [`Bearer ${KEYS[0]}`, `bearer ${KEYS[1]}`]) {
      const response = await post(authorization);
      assert.equal(response.status, 200);
      const body = (await response.json()) as { data?: unknown; errors?: unknown };
      assert.equal(body.errors, undefined);
      assert.ok(body.data);
    }
  });

  it('keeps the probes open and the metrics closed', async () => {
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    assert.notEqual((await fetch(`${base}/readyz`)).status, 401);
    assert.equal((await fetch(`${base}/metrics`)).status, 401);
    const metrics = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${KEYS[0]}` } });
    assert.equal(metrics.status, 200);
    // The refusals are counted like any answer.
    assert.match(await metrics.text(), /coverage_graph_http_requests_total\{route="\/graphql",status="401"\} [1-9]/);
  });

  it('lets nothing else through on the strength of an Accept header', async () => {
    const html = { accept: 'text/html' };
    assert.equal((await fetch(`${base}/metrics`, { headers: html })).status, 401);
    // A persisted-query GET that also accepts HTML.
    const persisted = encodeURIComponent(
      JSON.stringify({ persistedQuery: { version: 1, sha256Hash: 'a'.repeat(64) } }),
    );
    const apq = await fetch(`${api.url}?extensions=${persisted}`, {
      headers: { accept: 'application/json, text/html;q=0.1', 'apollo-require-preflight': 'true' },
    });
    assert.equal(apq.status, 401);
    assert.equal((await fetch(`${base}/elsewhere`, { headers: html })).status, 401);
  });

  it('serves the landing page (no data) to a browser without a key; its operations need one', async () => {
    const page = await fetch(api.url, { headers: { accept: 'text/html' } });
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    const query = await fetch(`${api.url}?query=${encodeURIComponent('{ datasets { name } }')}`, {
      headers: { accept: 'text/html', 'apollo-require-preflight': 'true' },
    });
    assert.equal(query.status, 401);
  });

  it('never writes a key to the logs', () => {
    const log = written.join('');
    for (const key of KEYS) assert.ok(!log.includes(key), 'a key appears in the output');
  });
});

describe('API_KEYS', () => {
  it('refuses a key too short to be a secret without repeating it', () => {
    assert.deepEqual(parseApiKeys(` ${KEYS[0]} ,, ${KEYS[1]}`), KEYS);
    assert.deepEqual(parseApiKeys(''), []);
    assert.throws(
      () => parseApiKeys(`${KEYS[0]},short-secret`),
      (error: Error) =>
        /key 2 of 2 must be at least 16 characters/.test(error.message) && !error.message.includes('short-secret'),
    );
  });
});
