// Neo4j stopped and started again while the API is under load: SERVICE_UNAVAILABLE during the outage, answers again
// after it, the API never restarted.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { config, projectRoot } from '../../src/config.js';
import { Graph } from '../../src/graph/driver.js';
import { seed } from '../../src/seed/pipeline.js';
import { startTestServer, type TestServer } from '../helpers/api.js';
import { resetGraph, testGraph } from '../helpers/graph.js';
import { fixture } from '../helpers/paths.js';

const local = process.env.COVERAGE_GRAPH_TEST_LOCAL_NEO4J === '1';
const skip = local ? false : 'needs the local test Neo4j that `npm test` starts (NEO4J_URI names another one)';
const cli = path.join(projectRoot, 'dist', 'src', 'cli.js');
/** `coverage-graph neo4j stop|start` on the test instance (NEO4J_HOME and NEO4J_BOLT_PORT are in the environment). */
const neo4j = (command: 'stop' | 'start') => promisify(execFile)(process.execPath, [cli, 'neo4j', command]);

type Outcome = { at: number; result: string };

describe('Neo4j stopped and restarted while the API is under load', { skip }, () => {
  let graph: Graph;
  let apiGraph: Graph;
  let api: TestServer;

  before(async () => {
    graph = testGraph();
    await resetGraph(graph);
    await seed(graph, { attack: [fixture('attack', 'mini-enterprise.json')] }, { batchSize: 5000 });
    // Retries give up after half a second, so that the outage shows in answers rather than in waiting.
    apiGraph = new Graph({ ...config.neo4j, maxRetryMs: 500 });
    api = await startTestServer(apiGraph, { responseCacheMb: 0 });
  });
  after(async () => {
    await api?.stop();
    await apiGraph?.close();
    await graph?.close();
  });

  it('answers SERVICE_UNAVAILABLE during the outage and answers again after it', async (t) => {
    const started = performance.now();
    const now = () => (performance.now() - started) / 1000;
    const outcomes: Outcome[] = [];
    let running = true;
    const body = JSON.stringify({ query: '{ technique(id: "T1550.001") { id tactics { id } } }' });
    const worker = async () => {
      while (running) {
        const at = now();
        try {
          const response = await fetch(api.url, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body,
          });
          const answer = (await response.json()) as {
            data?: { technique?: { id: string } };
            errors?: { extensions?: { code?: string } }[];
          };
          const result = answer.errors
            ? answer.errors.map((e) => e.extensions?.code).join(',')
            : answer.data?.technique?.id === 'T1550.001'
              ? 'ok'
              : `unexpected ${JSON.stringify(answer)}`;
          outcomes.push({ at, result: `${response.status} ${result}` });
        } catch (error) {
          outcomes.push({ at, result: `no answer: ${(error as Error).message}` });
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    const workers = Array.from({ length: 4 }, worker);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const stopping = now();
    await neo4j('stop');
    const stopped = now();
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const readyz = await fetch(api.url.replace(/\/graphql$/, '/readyz'));
    const starting = now();
    await neo4j('start');
    const ready = now();
    // Load goes on until answers are back, then two seconds more.
    while (!outcomes.some((o) => o.at > ready && o.result === '200 ok') && now() < ready + 60) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const recovered = outcomes.find((o) => o.at > ready && o.result === '200 ok')?.at ?? Number.NaN;
    await new Promise((resolve) => setTimeout(resolve, 2000));
    running = false;
    await Promise.all(workers);

    const between = (from: number, to: number) =>
      outcomes.filter((o) => o.at >= from && o.at < to).map((o) => o.result);
    assert.ok(between(0, stopping).length > 10);
    assert.deepEqual([...new Set(between(0, stopping))], ['200 ok'], 'before the outage');
    const outage = between(stopped, starting);
    assert.ok(outage.length > 0, 'requests were sent during the outage');
    assert.deepEqual([...new Set(outage)], ['200 SERVICE_UNAVAILABLE'], 'during the outage');
    assert.equal(readyz.status, 503);
    // Whatever happened while Neo4j stopped and started, nothing but answers and SERVICE_UNAVAILABLE.
    assert.deepEqual(
      [...new Set(outcomes.map((o) => o.result))].filter((r) => r !== '200 ok' && r !== '200 SERVICE_UNAVAILABLE'),
      [],
    );
    assert.ok(Number.isFinite(recovered), 'answers came back after the restart');
    assert.deepEqual([...new Set(between(recovered, now()))], ['200 ok'], 'after the recovery');
    t.diagnostic(
      `outage: ${outage.length} requests answered SERVICE_UNAVAILABLE; Neo4j ready ${(ready - starting).toFixed(1)} s ` +
        `after start; first answer ${(recovered - ready).toFixed(2)} s after Neo4j was ready`,
    );
  });
});
