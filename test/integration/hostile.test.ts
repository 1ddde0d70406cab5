// Hostile requests against a real server: each refused or answered correctly, nothing written, and normal queries
// keep answering while a flood of them runs.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import {
  buildSchema,
  type GraphQLArgument,
  type GraphQLInputType,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
} from 'graphql';
import { loadTypeDefs } from '../../src/api/schema.js';
import type { Graph } from '../../src/graph/driver.js';
import { startTestServer, type TestServer } from '../helpers/api.js';
import { fingerprint, resetGraph, seedFixtures, testGraph } from '../helpers/graph.js';

/** Strings that break naive code: control and format characters, a lone surrogate, Cypher and Lucene syntax. */
const NASTY = [
  '\u0000',
  'T1550.001\u0000',
  '\u202eT1550',
  '\ud800',
  '💥'.repeat(50),
  "T1550' OR 1=1 //",
  '"}) MATCH (n) DETACH DELETE n //',
  '`n` {id: 1}) DETACH DELETE n WITH 1 AS x MATCH (m',
  '*:* OR name:* AND NOT (',
  '\\',
  '"'.repeat(20),
  '\r\n\t\u0007\u001b[31m',
  'a'.repeat(10_000),
];

/** Codes a hostile request may get; INTERNAL_SERVER_ERROR (a crash) is never one of them. */
const REFUSALS = new Set(['BAD_USER_INPUT', 'GRAPHQL_VALIDATION_FAILED', 'GRAPHQL_PARSE_FAILED', 'QUERY_TOO_COMPLEX']);

interface Answer {
  status: number;
  body: { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] } | null;
  text: string;
}

describe('hostile requests', () => {
  let graph: Graph;
  let api: TestServer;
  let initial: Awaited<ReturnType<typeof fingerprint>>;

  const send = async (init: RequestInit & { path?: string }): Promise<Answer> => {
    // A hang detector, not a speed test: every answer must come, however slowly.
    const response = await fetch(`${api.url}${init.path ?? ''}`, { ...init, signal: AbortSignal.timeout(30_000) });
    const text = await response.text();
    let body: Answer['body'] = null;
    try {
      body = JSON.parse(text) as Answer['body'];
    } catch {
      body = null;
    }
    return { status: response.status, body, text };
  };
  const post = (body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
    send({ method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const codes = (answer: Answer) => (answer.body?.errors ?? []).map((e) => e.extensions?.code ?? '');

  before(async () => {
    graph = testGraph();
    await resetGraph(graph);
    await seedFixtures(graph);
    initial = await fingerprint(graph);
    api = await startTestServer(graph, { responseCacheMb: 0 });
  });
  after(async () => {
    await api?.stop();
    await graph?.close();
  });

  /** The corpus: each request, and what its answer must be. */
  const corpus: { name: string; request: () => Promise<Answer>; check: (answer: Answer) => void }[] = [
    {
      name: 'nesting 60 levels deep',
      request: () => post({ query: `{ technique(id: "T1550") { ${'parent { '.repeat(60)}id${' }'.repeat(60)} } }` }),
      check: (a) => assert.deepEqual(codes(a), ['QUERY_TOO_COMPLEX']),
    },
    {
      name: 'an alias bomb (2000 aliases)',
      request: () =>
        post({
          query: `{ ${Array.from({ length: 2000 }, (_, i) => `a${i}: technique(id: "T1550") { id }`).join(' ')} }`,
        }),
      check: (a) => assert.ok(codes(a).includes('QUERY_TOO_COMPLEX'), a.text.slice(0, 300)),
    },
    {
      name: 'a fragment bomb (each fragment spreads the one below twice, 30 levels)',
      request: () => {
        const fragments = Array.from({ length: 30 }, (_, i) =>
          i === 0
            ? 'fragment F0 on Technique { id name tactics { id } }'
            : `fragment F${i} on Technique { ...F${i - 1} subtechniques { ...F${i - 1} } }`,
        );
        return post({ query: `{ technique(id: "T1550") { ...F29 } } ${fragments.join(' ')}` });
      },
      check: (a) => assert.ok(codes(a).includes('QUERY_TOO_COMPLEX'), a.text.slice(0, 300)),
    },
    {
      name: 'a fragment cycle',
      request: () =>
        post({
          query:
            '{ technique(id: "T1550") { ...A } } fragment A on Technique { parent { ...B } } fragment B on Technique { parent { ...A } }',
        }),
      check: (a) => assert.deepEqual([...new Set(codes(a))], ['GRAPHQL_VALIDATION_FAILED']),
    },
    {
      name: 'a huge first',
      request: () => post({ query: '{ techniques(first: 2000000000) { nodes { id } } }' }),
      check: (a) =>
        assert.ok(
          codes(a).some((c) => REFUSALS.has(c)),
          a.text.slice(0, 300),
        ),
    },
    {
      name: 'a negative first',
      request: () => post({ query: '{ techniques(first: -1) { nodes { id } } }' }),
      check: (a) => assert.deepEqual(codes(a), ['BAD_USER_INPUT']),
    },
    {
      name: 'a first beyond 32 bits',
      request: () => post({ query: '{ techniques(first: 99999999999999999999) { nodes { id } } }' }),
      check: (a) => assert.deepEqual([...new Set(codes(a))], ['GRAPHQL_VALIDATION_FAILED']),
    },
    {
      name: 'the full introspection query',
      request: () =>
        post({
          query:
            '{ __schema { types { name fields { name args { name type { name ofType { name ofType { name } } } } } } } }',
        }),
      check: (a) => assert.equal(a.status, 200),
    },
    {
      name: 'introspection nested 10 levels through ofType',
      request: () => post({ query: `{ __schema { types { ${'ofType { '.repeat(10)}name${' }'.repeat(10)} } } }` }),
      check: (a) => assert.ok(a.status === 200 || codes(a).includes('QUERY_TOO_COMPLEX')),
    },
    {
      name: 'malformed JSON',
      request: () => post('{"query": "{ datasets { name } }"'),
      check: (a) => assert.equal(a.status, 400),
    },
    {
      name: 'a JSON body that is not an object',
      request: () => post('"just a string"'),
      check: (a) => assert.equal(a.status, 400),
    },
    {
      name: 'batched operations (off)',
      request: () => post([{ query: '{ datasets { name } }' }, { query: '{ datasets { name } }' }]),
      check: (a) => assert.equal(a.status, 400),
    },
    {
      name: 'text/plain (a CSRF attempt)',
      request: () => post(JSON.stringify({ query: '{ datasets { name } }' }), { 'content-type': 'text/plain' }),
      check: (a) => assert.equal(a.status, 400),
    },
    {
      name: 'a GET query without a preflight header (CSRF prevention)',
      request: () => send({ method: 'GET', path: `?query=${encodeURIComponent('{ datasets { name } }')}` }),
      check: (a) => assert.equal(a.status, 400),
    },
    {
      name: 'form-encoded body',
      request: () =>
        post('query=%7B+datasets+%7B+name+%7D+%7D', { 'content-type': 'application/x-www-form-urlencoded' }),
      check: (a) => assert.equal(a.status, 400),
    },
    {
      name: 'a 10 MB body',
      request: () => post({ query: '{ datasets { name } }', variables: { pad: 'x'.repeat(10 * 1024 * 1024) } }),
      check: (a) => assert.equal(a.status, 413),
    },
    {
      name: 'a query without an operation',
      request: () => post({ query: '' }),
      check: (a) => assert.equal(a.status, 400),
    },
    {
      name: 'two operations and no operationName',
      request: () => post({ query: 'query A { datasets { name } } query B { datasets { name } }' }),
      check: (a) => assert.equal(a.status, 400),
    },
    {
      name: 'a mutation the schema does not have',
      request: () => post({ query: 'mutation { deleteEverything }' }),
      check: (a) => {
        assert.equal(a.status, 400);
        assert.deepEqual([...new Set(codes(a))], ['GRAPHQL_VALIDATION_FAILED']);
      },
    },
    {
      name: 'a mutation on a server without API keys',
      request: () => post({ query: 'mutation { removeClaim(name: "edr") setLogSources(entries: []) { declared } }' }),
      check: (a) => assert.deepEqual([...new Set(codes(a))], ['FORBIDDEN']),
    },
    {
      name: 'a subscription (the schema has none)',
      request: () => post({ query: 'subscription { datasets { name } }' }),
      check: (a) => assert.equal(a.status, 400),
    },
    {
      name: 'unknown directives, repeated',
      request: () => post({ query: `{ datasets ${'@evil '.repeat(500)}{ name } }` }),
      check: (a) => assert.deepEqual([...new Set(codes(a))], ['GRAPHQL_VALIDATION_FAILED']),
    },
    {
      name: '10000 platforms in a coverage filter',
      request: () =>
        post({
          query: 'query($p: [String!]) { coverage(filter: {platforms: $p}) { totals { techniques } } }',
          variables: { p: Array.from({ length: 10_000 }, (_, i) => `platform-${i}`) },
        }),
      check: (a) => {
        assert.equal(a.status, 200);
        assert.equal(codes(a).filter((c) => !REFUSALS.has(c)).length, 0);
      },
    },
  ];

  for (const { name, request, check } of corpus) {
    it(`${name}: refused or answered, never a crash`, async () => {
      const answer = await request();
      assert.ok(answer.status < 500, `${answer.status}: ${answer.text.slice(0, 300)}`);
      assert.ok(!codes(answer).includes('INTERNAL_SERVER_ERROR'), answer.text.slice(0, 300));
      check(answer);
    });
  }

  it('a request target that is no URL: 400, and the server keeps answering', async () => {
    // fetch will not send such a target; Node's client sends it as the path, as any client could.
    const { hostname, port } = new URL(api.url);
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const request = http.request({ hostname, port, path: 'http://[', method: 'GET' }, (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          body += chunk;
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      });
      request.on('error', reject);
      request.end();
    });
    assert.equal(answer.status, 400);
    assert.deepEqual(JSON.parse(answer.body), {
      errors: [
        {
          message: 'the request target is not a valid URL: "http://["',
          extensions: { code: 'BAD_USER_INPUT' },
        },
      ],
    });
    const next = await post({ query: '{ technique(id: "T1550") { id } }' });
    assert.deepEqual(next.body, { data: { technique: { id: 'T1550' } } });
  });

  it('every string argument of every root field, given each nasty string: refused or answered, never a crash', async (t) => {
    const schema = buildSchema(loadTypeDefs().join('\n'));
    const query = schema.getQueryType();
    assert.ok(query);
    const sample = (type: GraphQLInputType): unknown => {
      if (isNonNullType(type)) return sample(type.ofType);
      if (isListType(type)) return [sample(type.ofType)];
      if (isEnumType(type)) return type.getValues()[0]?.value;
      if (isScalarType(type)) return { Int: 1, Float: 1, Boolean: false }[type.name] ?? 'T1550';
      return {};
    };
    let sent = 0;
    for (const field of Object.values(query.getFields())) {
      // Each string slot of the field: a String/ID argument, or a String field of an input-object argument.
      const slots: { arg: GraphQLArgument; inner: string | null }[] = [];
      for (const arg of field.args) {
        const named = getNamedType(arg.type);
        if (isScalarType(named) && (named.name === 'String' || named.name === 'ID')) slots.push({ arg, inner: null });
        if (isInputObjectType(named)) {
          for (const inner of Object.values(named.getFields())) {
            const innerNamed = getNamedType(inner.type);
            if (isScalarType(innerNamed) && innerNamed.name === 'String') slots.push({ arg, inner: inner.name });
          }
        }
      }
      for (const slot of slots) {
        for (const nasty of NASTY) {
          const variables: Record<string, unknown> = {};
          for (const arg of field.args) {
            if (arg !== slot.arg) {
              if (isNonNullType(arg.type)) variables[arg.name] = sample(arg.type);
              continue;
            }
            // GraphQL coerces one value given for a list into a list of it: the same string fits both.
            variables[arg.name] = slot.inner === null ? nasty : { [slot.inner]: nasty };
          }
          const declared = field.args.map((arg) => `$${arg.name}: ${arg.type.toString()}`).join(', ');
          const passed = field.args.map((arg) => `${arg.name}: $${arg.name}`).join(', ');
          const named = getNamedType(field.type);
          const selection = isScalarType(named) || isEnumType(named) ? '' : '{ __typename }';
          const answer = await post({
            query: `query(${declared}) { ${field.name}(${passed}) ${selection} }`,
            variables,
          });
          sent += 1;
          const what = `${field.name}(${slot.arg.name}${slot.inner ? `.${slot.inner}` : ''} = ${JSON.stringify(nasty.slice(0, 30))})`;
          assert.ok(answer.status < 500, `${what}: ${answer.status} ${answer.text.slice(0, 300)}`);
          const bad = codes(answer).filter((c) => !REFUSALS.has(c));
          assert.deepEqual(bad, [], `${what}: ${answer.text.slice(0, 300)}`);
        }
      }
    }
    assert.ok(sent > 100, `only ${sent} requests`);
    t.diagnostic(`${sent} requests with nasty strings, none a crash`);
  });

  it('wrote nothing: the graph is as it was', async () => {
    assert.deepEqual(await fingerprint(graph), initial);
  });

  it('normal queries keep answering during a flood of the corpus; their p99 before and during', async (t) => {
    const normal = JSON.stringify({
      query: '{ technique(id: "T1550.001") { id name tactics { id } countermeasures { technique { id } } } }',
    });
    const measure = async (count: number) => {
      const times: number[] = [];
      for (let i = 0; i < count; i++) {
        const started = performance.now();
        const answer = await post(normal);
        times.push(performance.now() - started);
        assert.equal(answer.status, 200);
        assert.equal(answer.body?.errors, undefined, answer.text.slice(0, 300));
        assert.equal((answer.body?.data as { technique?: { id: string } } | undefined)?.technique?.id, 'T1550.001');
      }
      times.sort((a, b) => a - b);
      return times[Math.floor(times.length * 0.99)] ?? Number.NaN;
    };
    const quiet = await measure(200);
    let flooding = true;
    let hostile = 0;
    const workers = Array.from({ length: 4 }, async (_, w) => {
      for (let i = w; flooding; i++) {
        const entry = corpus[i % corpus.length];
        if (entry && !entry.name.startsWith('a 10 MB')) {
          const answer = await entry.request();
          assert.ok(answer.status < 500, `${entry.name}: ${answer.status}`);
          hostile += 1;
        }
      }
    });
    const during = await measure(200);
    flooding = false;
    await Promise.all(workers);
    assert.ok(hostile > 20, `the flood sent ${hostile} hostile requests`);
    t.diagnostic(
      `normal query p99: ${quiet.toFixed(1)} ms quiet, ${during.toFixed(1)} ms during a flood of ${hostile} hostile requests`,
    );
  });
});
