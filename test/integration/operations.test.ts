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

  it('refuses queries too deep, too aliased or too costly with QUERY_TOO_COMPLEX and the limit', async () => {
    const errorOf = async (query: string) => {
      const body = (await (await post(dev.url, query)).json()) as {
        data?: unknown;
        errors?: { message: string; extensions?: { code?: string } }[];
      };
      assert.equal(body.data, undefined, 'nothing executed');
      return [body.errors?.[0]?.extensions?.code, body.errors?.[0]?.message];
    };
    const deep = `{ technique(id: "T1") { ${'parent { '.repeat(15)}id${' }'.repeat(15)} } }`;
    assert.deepEqual(await errorOf(deep), ['QUERY_TOO_COMPLEX', 'query depth 16 exceeds the limit of 15']);
    const aliased = `{ ${Array.from({ length: 51 }, (_, i) => `a${i}: __typename`).join(' ')} }`;
    assert.deepEqual(await errorOf(aliased), ['QUERY_TOO_COMPLEX', '51 aliases exceed the limit of 50']);
    const costly =
      '{ techniques(first: 500) { nodes { groups(first: 500) { nodes { techniques(first: 500) { nodes { id } } } } } } }';
    const [code, message] = await errorOf(costly);
    assert.equal(code, 'QUERY_TOO_COMPLEX');
    assert.match(String(message), /^estimated cost \d+ exceeds the limit of 100000 \(lower "first" or nest less\)$/);
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
