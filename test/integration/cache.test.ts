// The response cache on a real Neo4j: repeats answered without querying, a seed invalidates, errors are not kept.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Graph } from '../../src/graph/driver.js';
import { seed } from '../../src/seed/pipeline.js';
import { startTestServer, type TestServer } from '../helpers/api.js';
import { resetGraph, testGraph } from '../helpers/graph.js';
import { fixture } from '../helpers/paths.js';

const COVERAGE = '{ coverage { totals { techniques detected countered tested } } }';

describe('the response cache', () => {
  let graph: Graph;
  let cached: TestServer;
  let uncached: TestServer;
  // Statements sent for a request, and how many of them read more than the graph's version (the cache's own read).
  const statementsOf = async (api: TestServer, query: string) => {
    let statements = 0;
    let reads = 0;
    const stop = graph.onQuery((cypher) => {
      statements += 1;
      if (!cypher.includes('RETURN v.version AS version')) reads += 1;
    });
    try {
      const answer = await api.gql(query);
      return { answer, statements, reads };
    } finally {
      stop();
    }
  };

  before(async () => {
    graph = testGraph();
    await resetGraph(graph);
    await seed(
      graph,
      { attack: [fixture('attack', 'mini-enterprise.json')], sigma: [{ name: 'sigmahq', location: fixture('sigma') }] },
      { batchSize: 5000 },
    );
    cached = await startTestServer(graph);
    uncached = await startTestServer(graph, { responseCacheMb: 0 });
  });
  after(async () => {
    await cached?.stop();
    await uncached?.stop();
    await graph?.close();
  });

  it('answers a repeated query from the cache with one statement (the graph version), the same answer', async () => {
    const first = await statementsOf(cached, COVERAGE);
    assert.equal(first.answer.errors, undefined);
    assert.ok(first.statements > 1);
    const repeat = await statementsOf(cached, COVERAGE);
    assert.deepEqual(repeat.answer, first.answer);
    assert.equal(repeat.statements, 1);
    // Other variables or another query are other entries.
    const other = await statementsOf(cached, '{ coverage(filter: {platforms: ["Linux"]}) { totals { techniques } } }');
    assert.ok(other.statements > 1);
  });

  it('keeps answers apart by what decides them: Accept header, GET or POST, and sends a hit as the miss was sent', async () => {
    const post = (accept: string) =>
      fetch(cached.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept },
        body: JSON.stringify({ query: COVERAGE }),
      });
    const counted = async <T>(fn: () => Promise<T>) => {
      let statements = 0;
      const stop = graph.onQuery(() => {
        statements += 1;
      });
      try {
        return { value: await fn(), statements };
      } finally {
        stop();
      }
    };
    const kinds = ['application/graphql-response+json', 'application/json'];
    for (const accept of kinds) {
      const miss = await counted(() => post(accept));
      const missBody = await miss.value.text();
      const hit = await counted(() => post(accept));
      assert.equal(hit.statements, 1, `${accept}: the repeat reads only the version`);
      assert.equal(await hit.value.text(), missBody);
      assert.equal(hit.value.status, miss.value.status);
      assert.equal(hit.value.headers.get('content-type'), miss.value.headers.get('content-type'));
    }
    assert.notEqual(
      (await post(kinds[0] as string)).headers.get('content-type'),
      (await post(kinds[1] as string)).headers.get('content-type'),
      'each Accept got its own content type, so its own entry',
    );
    // A GET query (Apollo asks for a preflight header against CSRF) is an entry of its own, and cached too.
    const get = () =>
      fetch(`${cached.url}?query=${encodeURIComponent(COVERAGE)}`, { headers: { 'apollo-require-preflight': 'true' } });
    const firstGet = await counted(get);
    assert.ok(firstGet.statements > 1);
    const repeatGet = await counted(get);
    assert.equal(repeatGet.statements, 1);
    assert.deepEqual(await repeatGet.value.json(), await firstGet.value.json());
    // Without the preflight header Apollo refuses the GET; the refusal is never kept.
    const refused = await fetch(`${cached.url}?query=${encodeURIComponent(COVERAGE)}`);
    assert.equal(refused.status, 400);
    assert.equal((await fetch(`${cached.url}?query=${encodeURIComponent(COVERAGE)}`)).status, 400);
  });

  it('drops every answer when a seed changes the graph', async () => {
    const before = (await cached.gql(COVERAGE)).data;
    await seed(graph, { attack: [], atomic: [fixture('atomic')] }, { batchSize: 5000 });
    const afterSeed = await statementsOf(cached, COVERAGE);
    assert.ok(afterSeed.statements > 1, 'not served from the cache');
    assert.deepEqual(afterSeed.answer.data, (await uncached.gql(COVERAGE)).data);
    const totals = (data: unknown) => (data as { coverage: { totals: { tested: number } } }).coverage.totals;
    assert.ok(totals(afterSeed.answer.data).tested > totals(before).tested, 'the Atomic tests count now');
  });

  it('never keeps an answer with errors, and is off with RESPONSE_CACHE_MB=0', async () => {
    const bad = '{ coverage(filter: {tactics: ["no-such-tactic"]}) { totals { techniques } } }';
    const first = await statementsOf(cached, bad);
    assert.ok(first.answer.errors?.length);
    const again = await statementsOf(cached, bad);
    assert.ok(again.answer.errors?.length);
    assert.ok(again.statements > 1);
    await uncached.gql(COVERAGE);
    const repeat = await statementsOf(uncached, COVERAGE);
    assert.ok(repeat.reads >= 1, 'the repeat reads the graph');
    assert.equal(repeat.statements, repeat.reads, 'with no cache, no version read');
  });

  it('counts hits and misses in /metrics', async () => {
    const metrics = await (await fetch(cached.url.replace('/graphql', '/metrics'))).text();
    const count = (outcome: string) =>
      Number(new RegExp(`coverage_graph_response_cache_total\\{outcome="${outcome}"\\} (\\d+)`).exec(metrics)?.[1]);
    assert.ok(count('hit') >= 1);
    assert.ok(count('miss') >= 3);
  });
});
