// The coverage page's files as the API serves them: the page, its script and style, nothing else, without a key.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startServer, warmUp } from '../../src/api/server.js';
import { config } from '../../src/config.js';
import type { Graph } from '../../src/graph/driver.js';
import { startTestServer, type TestServer } from '../helpers/api.js';
import { resetGraph, seedFixtures, testGraph } from '../helpers/graph.js';

describe('/coverage', () => {
  let graph: Graph;
  let api: TestServer;
  let base: string;

  before(async () => {
    graph = testGraph();
    api = await startTestServer(graph, { apiKeys: ['page-test-key-0123456789'] });
    base = api.url.replace(/\/graphql$/, '');
  });
  after(async () => {
    await api?.stop();
    await graph?.close();
  });

  it('serves the page, its script and its style without an API key, with a content security policy', async () => {
    for (const [path, type] of [
      ['/coverage', 'text/html'],
      ['/coverage/', 'text/html'],
      ['/coverage/coverage.js', 'text/javascript'],
      ['/coverage/coverage.css', 'text/css'],
    ] as const) {
      const response = await fetch(`${base}${path}`);
      assert.equal(response.status, 200, path);
      assert.ok(response.headers.get('content-type')?.startsWith(type), path);
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
      assert.ok((await response.text()).length > 100, path);
    }
    const page = await fetch(`${base}/coverage`);
    const csp = page.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /connect-src 'self'/);
    // The page loads only its own files: no CDN.
    const html = await page.text();
    assert.deepEqual(
      [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]),
      ['/coverage/coverage.css', '/coverage/coverage.js'],
    );
  });

  it('answers 404 for any other path under /coverage, folders and dot segments included', async () => {
    // On a server without keys, so that nothing but the page route can answer.
    const open = await startTestServer(graph);
    try {
      const openBase = open.url.replace(/\/graphql$/, '');
      for (const path of [
        '/coverage/nope.js',
        '/coverage/..%2fpackage.json',
        '/coverage/%2e%2e%2fpackage.json',
        '/coverage/sub/coverage.js',
        '/coverage/coverage.ts',
        '/coverage/.coverage.js',
        '/coverage/tsconfig.json',
      ]) {
        const response = await fetch(`${openBase}${path}`);
        assert.equal(response.status, 404, path);
        assert.match(await response.text(), /^no page file /, path);
      }
    } finally {
      await open.stop();
    }
  });

  it("warms up as serve does: the page's first questions answer without errors", async () => {
    await resetGraph(graph);
    await seedFixtures(graph);
    const running = await startServer(graph, { ...config, api: { ...config.api, host: '127.0.0.1', port: 0 } });
    try {
      assert.deepEqual(await warmUp(running, graph), []);
    } finally {
      await running.stop();
    }
  });

  it('is off with COVERAGE_PAGE=false', async () => {
    const off = await startTestServer(graph, { coveragePage: false });
    try {
      const response = await fetch(off.url.replace(/\/graphql$/, '/coverage'));
      assert.equal(response.status, 404);
      assert.doesNotMatch(await response.text(), /<html/);
    } finally {
      await off.stop();
    }
  });

  it('keeps GraphQL behind the key', async () => {
    const response = await fetch(api.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ datasets { name } }' }),
    });
    assert.equal(response.status, 401);
  });
});
