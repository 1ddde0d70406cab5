// Runs every GraphQL example of README.md against the real data: each must answer without errors.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { projectRoot } from '../../src/config.js';
import { writeClaim } from '../../src/graph/claims.js';
import type { Graph } from '../../src/graph/driver.js';
import { parseNavigatorLayer } from '../../src/seed/layer.js';
import { seed } from '../../src/seed/pipeline.js';
import { startTestServer, type TestServer } from '../helpers/api.js';
import { resetGraph, testGraph } from '../helpers/graph.js';
import { fixture, sharedData, skipWithoutSharedData } from '../helpers/paths.js';

const skip = skipWithoutSharedData();
const readme = readFileSync(path.join(projectRoot, 'README.md'), 'utf8');
const examples = [...readme.matchAll(/```graphql\n([\s\S]*?)```/g)].map((m) => m[1] as string);

/**
 * Where an answer is empty though the real data has something there: an empty list, a zero `totalCount`,
 * or a null top-level field. The examples are chosen so that every part of them has data.
 */
function emptyParts(value: unknown, path: string): string[] {
  if (Array.isArray(value)) {
    return value.length === 0 ? [path] : value.flatMap((v, i) => emptyParts(v, `${path}[${i}]`));
  }
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, v]) =>
      key === 'totalCount' && v === 0 ? [`${path}.${key}`] : emptyParts(v, `${path}.${key}`),
    );
  }
  return value === null && !path.slice(1).includes('.') ? [path] : [];
}

describe('README example queries', { skip }, () => {
  let graph: Graph;
  let api: TestServer;
  before(async () => {
    graph = testGraph();
    await resetGraph(graph);
    const bundles = ['enterprise-attack.json', 'mobile-attack.json', 'ics-attack.json'];
    await seed(
      graph,
      {
        // Enterprise named as ATT&CK 18.1, and 17.1 kept beside it, for the version drift example.
        attack: bundles.map((b) => `${b.startsWith('enterprise') ? '18.1=' : ''}${path.join(sharedData, 'attack', b)}`),
        attackReleases: [path.join(sharedData, 'attack', 'previous', 'enterprise-attack-v17.1.json')],
        d3fend: [path.join(sharedData, 'd3fend', 'd3fend.ttl')],
        sigma: [{ name: 'sigmahq', location: path.join(sharedData, 'sigma') }],
        atomic: [path.join(sharedData, 'atomic-red-team', 'atomics')],
      },
      { batchSize: 5000 },
    );
    // The claim of the coverage claims example.
    const layer = fixture('layers', 'edr.json');
    await writeClaim(graph, 'edr', parseNavigatorLayer(readFileSync(layer, 'utf8'), layer), layer);
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
      assert.ok(data, 'no data');
      assert.deepEqual(emptyParts(data, ''), []);
    });
  }
});
