// Runs every GraphQL example of README.md against the real data: each must answer without errors.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { projectRoot } from '../../src/config.js';
import type { Graph } from '../../src/graph/driver.js';
import { startTestServer, type TestServer } from '../helpers/api.js';
import { resetGraph, seedAttack, testGraph } from '../helpers/graph.js';
import { sharedData, skipWithoutSharedData } from '../helpers/paths.js';

const skip = skipWithoutSharedData();
const readme = readFileSync(path.join(projectRoot, 'README.md'), 'utf8');
const examples = [...readme.matchAll(/```graphql\n([\s\S]*?)```/g)].map((m) => m[1] as string);

/** Whether a response has at least one non-empty value at every top-level field. */
const filled = (data: Record<string, unknown>) =>
  Object.values(data).every((v) => v !== null && (!Array.isArray(v) || v.length > 0));

describe('README example queries', { skip }, () => {
  let graph: Graph;
  let api: TestServer;
  before(async () => {
    graph = testGraph();
    await resetGraph(graph);
    const bundles = ['enterprise-attack.json', 'mobile-attack.json', 'ics-attack.json'];
    await seedAttack(
      graph,
      bundles.map((b) => path.join(sharedData, 'attack', b)),
    );
    api = await startTestServer(graph);
  });
  after(async () => {
    await api?.stop();
    await graph?.close();
  });

  it('the README has examples', () => {
    assert.ok(examples.length >= 4, `found ${examples.length} graphql blocks`);
  });

  for (const [index, query] of examples.entries()) {
    it(`example ${index + 1}: ${query.split('\n')[1]?.trim()}`, async () => {
      const { data, errors } = await api.gql(query);
      assert.equal(errors, undefined, JSON.stringify(errors));
      assert.ok(data && filled(data), `empty answer: ${JSON.stringify(data)}`);
    });
  }
});
