// Reading only the properties a request needs changes no answer: every field of every type, with and without it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApolloServer } from '@apollo/server';
import {
  buildSchema,
  type GraphQLField,
  type GraphQLNamedType,
  getNamedType,
  isInterfaceType,
  isLeafType,
  isNonNullType,
  isObjectType,
  isUnionType,
} from 'graphql';
import { type Context, createContext } from '../../src/api/context.js';
import { projectionPlugin } from '../../src/api/projection.js';
import { resolvers } from '../../src/api/resolvers/index.js';
import { loadTypeDefs } from '../../src/api/schema.js';
import { writeClaim } from '../../src/graph/claims.js';
import { FACT_PROPERTIES } from '../../src/graph/coverage-facts.js';
import type { Graph } from '../../src/graph/driver.js';
import { parseNavigatorLayer } from '../../src/seed/layer.js';
import { seed } from '../../src/seed/pipeline.js';
import { startTestServer } from '../helpers/api.js';
import { assertBasePropertiesDeclared, countQueries, resetGraph, seedFixtures, testGraph } from '../helpers/graph.js';
import { fixture } from '../helpers/paths.js';

/** The mini bundle and a later version of it. */
const MINI = ['mini-enterprise.json', 'mini-enterprise-v2.json'];

const typeDefs = loadTypeDefs();
const schema = buildSchema(typeDefs.join('\n'));

/** A field can be selected without arguments when none of its arguments is required. */
const selectable = (field: GraphQLField<unknown, unknown>) =>
  field.args.every((arg) => !isNonNullType(arg.type) || arg.defaultValue !== undefined);

/**
 * Every field of `type` that needs no argument, nested `depth` levels deep (object fields beyond it left out); with
 * `alias`, each field under an alias of its type's name (members of a union may share field names of other types).
 */
function selectAll(type: GraphQLNamedType, depth: number, alias = false): string {
  if (isUnionType(type)) {
    return `__typename ${type
      .getTypes()
      .map((member) => `... on ${member.name} { ${selectAll(member, depth, true)} }`)
      .join(' ')}`;
  }
  if (!isObjectType(type) && !isInterfaceType(type)) return '';
  const parts = ['__typename'];
  for (const field of Object.values(type.getFields())) {
    if (!selectable(field)) continue;
    const target = getNamedType(field.type);
    const name = alias ? `${type.name}_${field.name}: ${field.name}` : field.name;
    if (isLeafType(target)) parts.push(name);
    else if (depth > 0) parts.push(`${name} { ${selectAll(target, depth - 1)} }`);
  }
  return parts.join(' ');
}

/** One operation per root field that needs no argument, and the lookups by id of the fixture's richest objects. */
function operations(): { name: string; query: string; nonEmpty?: string[] }[] {
  const query = schema.getQueryType();
  assert.ok(query);
  const ops = Object.values(query.getFields())
    .filter(selectable)
    .map((field) => {
      const target = getNamedType(field.type);
      const body = isLeafType(target) ? '' : `{ ${selectAll(target, 3)} }`;
      return { name: field.name, query: `{ ${field.name} ${body} }` };
    });
  const technique = schema.getType('Technique') as GraphQLNamedType;
  const searchHit = schema.getType('SearchHit') as GraphQLNamedType;
  const changes = schema.getType('AttackChanges') as GraphQLNamedType;
  return [
    ...ops,
    {
      name: 'claimReconciliation',
      query: `{ claimReconciliation(claim: "mini") { ${selectAll(schema.getType('ClaimReconciliation') as GraphQLNamedType, 3)} } }`,
    },
    { name: 'attackChanges', query: `{ attackChanges(from: "1.0", to: "2.0") { ${selectAll(changes, 3)} } }` },
    ...['T1550.001', 'T1550', 'T1527'].map((id) => ({
      name: `technique ${id}`,
      query: `{ technique(id: "${id}") { ${selectAll(technique, 3)} } }`,
    })),
    { name: 'search', query: `{ search(text: "token") { ${selectAll(searchHit, 2)} } }` },
    {
      // Filters the resolvers apply to what they read: the properties they test are read only with the argument.
      name: 'filtered relation fields',
      query: `{ technique(id: "T1550.001") {
        all: sigmaRules { totalCount }
        low: sigmaRules(filter: { minLevel: LOW, status: [TEST] }) { totalCount nodes { id } }
        none: sigmaRules(filter: { minLevel: HIGH }) { totalCount }
        aws: sigmaRules(filter: { product: "aws", source: "sigmahq" }) { totalCount nodes { id } }
        linux: atomicTests(platform: "linux") { guid }
        plain: coverage { sigmaRules atomicTests }
        awsCoverage: coverage(filter: { sigmaProducts: ["aws"], sigmaSources: ["sigmahq"] }) { sigmaRules }
      } }`,
      nonEmpty: ['low', 'aws', 'linux', 'plain', 'awsCoverage'],
    },
  ];
}

describe('projection: answers with only the needed properties read equal answers with all of them read', () => {
  let graph: Graph;
  let projected: ApolloServer<Context>;
  let full: ApolloServer<Context>;

  before(async () => {
    graph = testGraph();
    await resetGraph(graph);
    await seedFixtures(graph);
    // Two releases of the mini bundle kept side by side, for the version drift fields.
    await seed(
      graph,
      { attack: [], attackReleases: ['1.0', '2.0'].map((v, i) => `${v}=${fixture('attack', MINI[i] as string)}`) },
      { batchSize: 5000 },
    );
    // A coverage claim on the mini bundle's techniques.
    const layer = {
      techniques: [
        { techniqueID: 'T1550.001', score: 2, comment: 'seen' },
        { techniqueID: 'T1550', score: 0 },
      ],
    };
    await writeClaim(graph, 'mini', parseNavigatorLayer(JSON.stringify(layer), 'inline'), 'test');
    projected = new ApolloServer<Context>({ typeDefs, resolvers, plugins: [projectionPlugin()] });
    full = new ApolloServer<Context>({ typeDefs, resolvers });
    await Promise.all([projected.start(), full.start()]);
  });
  after(async () => {
    await projected?.stop();
    await full?.stop();
    await graph?.close();
  });

  const answer = async (server: ApolloServer<Context>, query: string) => {
    const response = await server.executeOperation({ query }, { contextValue: createContext(graph) });
    assert.equal(response.body.kind, 'single');
    return response.body.kind === 'single' ? response.body.singleResult : null;
  };

  it('stores on each label no base property that BASE_PROPERTIES leaves out (what reads ask for)', async () => {
    const labels = await assertBasePropertiesDeclared(graph);
    for (const label of [
      'Technique',
      'SigmaRule',
      'AtomicTest',
      'D3fendTechnique',
      'D3fendTactic',
      'Artifact',
      'TechniqueVersion',
      'TacticVersion',
      'CoverageClaim',
    ]) {
      assert.ok(labels.includes(label), `the fixtures hold ${label} nodes`);
    }
  });

  it('gives every technique its coverage facts at seed time (parent only for sub-techniques)', async () => {
    const rows = await graph.read('MATCH (t:Technique) RETURN t.id AS id, t.isSubtechnique AS sub, properties(t) AS p');
    assert.ok(rows.length > 0);
    for (const row of rows) {
      const props = row.p as Record<string, unknown>;
      const expected = FACT_PROPERTIES.filter((name) => name !== 'coverageParent' || row.sub === true);
      assert.deepEqual(
        expected.filter((name) => props[name] === undefined),
        [],
        String(row.id),
      );
    }
  });

  it('is not ready while a technique lacks its facts (a graph written before them), and ready after a seed', async () => {
    const api = await startTestServer(graph);
    const readyz = () => fetch(api.url.replace(/\/graphql$/, '/readyz'));
    try {
      assert.equal((await readyz()).status, 200);
      await graph.write((run) => run("MATCH (t:Technique {id: 'T1550'}) REMOVE t.coverageSigmaCounts"));
      const stale = await readyz();
      assert.equal(stale.status, 503);
      assert.match(((await stale.json()) as { reason: string }).reason, /coverage facts missing.*seed` again/);
      await seedFixtures(graph);
      assert.equal((await readyz()).status, 200);
    } finally {
      await api.stop();
    }
  });

  it('reads a technique with the relation fields under it in one statement, answering as one per relation does', async () => {
    const detail = `{ technique(id: "T1550.001") {
      id name description platforms tactics { id name } parent { id } subtechniques { id } mitigations { id name }
      groups(first: 100) { totalCount nodes { id name } } software { nodes { id } } campaigns { nodes { id } }
      detectionStrategies { id } dataComponents { id } revokedBy { id }
      countermeasures { technique { id name tactic { name } } paths { via offensiveArtifact { id name } } }
      sigmaRules(first: 100) { totalCount nodes { id title level status } } atomicTests { guid name platforms }
    } }`;
    const naive = await projected.executeOperation(
      { query: detail },
      { contextValue: createContext(graph, { batching: false }) },
    );
    assert.equal(naive.body.kind, 'single');
    const expected = naive.body.kind === 'single' ? naive.body.singleResult : null;
    assert.equal(expected?.errors, undefined, JSON.stringify(expected?.errors));
    let found: unknown = null;
    const statements = await countQueries(graph, async () => {
      found = await answer(projected, detail);
    });
    assert.equal(statements, 1);
    assert.deepEqual(found, expected);
    // A technique whose every prefetched relation is empty is still found.
    const unrevoked = await answer(projected, '{ technique(id: "T1550.001") { id revokedBy { id } } }');
    assert.deepEqual(JSON.parse(JSON.stringify(unrevoked?.data)), { technique: { id: 'T1550.001', revokedBy: null } });
    // Deeper levels still cost a statement each: the sub-techniques' tactics below the technique's own fields.
    const deeper = await countQueries(graph, () =>
      answer(projected, '{ technique(id: "T1550") { tactics { id } subtechniques { id tactics { id } } } }'),
    );
    assert.equal(deeper, 2);
  });

  it('reads a page and aliased lookups with the relation fields under their nodes, answering as one per relation does', async () => {
    const naive = async (query: string) => {
      const response = await projected.executeOperation(
        { query },
        { contextValue: createContext(graph, { batching: false }) },
      );
      assert.equal(response.body.kind, 'single');
      const result = response.body.kind === 'single' ? response.body.singleResult : null;
      assert.equal(result?.errors, undefined, JSON.stringify(result?.errors));
      return result;
    };
    const page = `{ techniques(first: 50) { totalCount nodes {
      id tactics { id } subtechniques { id } groups { nodes { id } } countermeasures { technique { id } }
    } } }`;
    const expectedPage = await naive(page);
    type PageNode = { countermeasures: unknown[]; groups: { nodes: unknown[] } };
    const nodes = (expectedPage?.data?.techniques as { nodes: PageNode[] } | undefined)?.nodes ?? [];
    // Not a comparison of empty relations: some techniques of the page have groups and countermeasures.
    assert.ok(nodes.some((n) => n.countermeasures.length > 0) && nodes.some((n) => n.groups.nodes.length > 0));
    let found: unknown = null;
    assert.equal(await countQueries(graph, async () => (found = await answer(projected, page))), 1);
    assert.deepEqual(found, expectedPage);
    // Lookups of one type with the same relation fields share a statement, whatever their aliases; an unknown id is null.
    const aliased = `{
      a: technique(id: "T1550.001") { id tactics { id } mitigations { id } }
      b: technique(id: "T1550") { id mitigations { id } tactics { id } }
      c: technique(id: "T1527") { tactics { id } id mitigations { id } }
      d: technique(id: "T9999") { id tactics { id } mitigations { id } }
    }`;
    const expectedAliased = await naive(aliased);
    assert.equal(expectedAliased?.data?.d, null);
    assert.equal(await countQueries(graph, async () => (found = await answer(projected, aliased))), 1);
    assert.deepEqual(found, expectedAliased);
  });

  for (const { name, query, nonEmpty = [] } of operations()) {
    it(`${name}: the same answer`, async () => {
      const expected = await answer(full, query);
      assert.equal(expected?.errors, undefined, JSON.stringify(expected?.errors));
      // Not a comparison of two empty answers: the fixture graph has something for each of these.
      assert.ok(JSON.stringify(expected?.data).length > 40, `${name} answers ${JSON.stringify(expected?.data)}`);
      const fields = (expected?.data?.technique ?? {}) as Record<
        string,
        { totalCount?: number; sigmaRules?: number } | unknown[]
      >;
      for (const field of nonEmpty) {
        const found = fields[field];
        const size = Array.isArray(found) ? found.length : (found?.totalCount ?? found?.sigmaRules ?? 0);
        assert.ok(size > 0, `${name}: ${field}`);
      }
      assert.deepEqual(await answer(projected, query), expected);
    });
  }
});
