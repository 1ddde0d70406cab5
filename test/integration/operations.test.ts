// Operations: Prometheus metrics, CORS, and production mode (no introspection, no landing page).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type RunningServer, startServer } from '../../src/api/server.js';
import { config } from '../../src/config.js';
import type { Graph } from '../../src/graph/driver.js';
import { testGraph } from '../helpers/graph.js';

const post = (url: string, query: string, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query }),
  });

describe('operations', () => {
  let graph: Graph;
  let dev: RunningServer;
  let prod: RunningServer;
  before(async () => {
    graph = testGraph();
    const api = { ...config.api, host: '127.0.0.1', port: 0 };
    dev = await startServer(graph, { ...config, api: { ...api, corsOrigins: ['https://soc.example'] } });
    prod = await startServer(graph, {
      ...config,
      env: 'production',
      api: { ...api, introspection: false, landingPage: false },
    });
  });
  after(async () => {
    await dev?.stop();
    await prod?.stop();
    await graph?.close();
  });

  it('counts requests, GraphQL operations, errors by code and Neo4j statements at /metrics', async () => {
    await post(dev.url, 'query Lookup { technique(id: "T1550.001") { id } }');
    await post(dev.url, '{ technique(id: "hello") { id } }');
    const response = await fetch(dev.url.replace('/graphql', '/metrics'));
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain/);
    const text = await response.text();
    assert.match(text, /^coverage_graph_graphql_duration_seconds_count\{operation="Lookup",outcome="ok"\} 1$/m);
    assert.match(text, /^coverage_graph_graphql_errors_total\{code="BAD_USER_INPUT"\} 1$/m);
    assert.match(text, /^coverage_graph_neo4j_query_duration_seconds_count\{outcome="ok"\} [1-9]\d*$/m);
    assert.match(text, /^coverage_graph_http_requests_total\{route="\/graphql",status="200"\} 2$/m);
  });

  it('answers CORS for configured origins only', async () => {
    const preflight = await fetch(dev.url, {
      method: 'OPTIONS',
      headers: { origin: 'https://soc.example', 'access-control-request-method': 'POST' },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), 'https://soc.example');
    const other = await post(dev.url, '{ __typename }', { origin: 'https://evil.example' });
    assert.equal(other.headers.get('access-control-allow-origin'), null);
  });

  it('in production: no introspection, no landing page', async () => {
    const introspection = (await (await post(prod.url, '{ __schema { queryType { name } } }')).json()) as {
      errors?: { message: string }[];
    };
    assert.match(introspection.errors?.[0]?.message ?? '', /introspection is not allowed/i);
    const page = await fetch(prod.url, { headers: { accept: 'text/html' } });
    assert.doesNotMatch(await page.text(), /sandbox/i);
  });
});
