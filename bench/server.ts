// One server under test, in its own process: ours (cached or not), ours without batching, the @neo4j/graphql peer,
// or the floor (our answers from memory; after the peer's statements in floor-peer-cypher, after ours in
// floor-our-cypher).
import http from 'node:http';
import { ApolloServer, type ApolloServerOptions, type BaseContext, HeaderMap } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { startServer } from '../src/api/server.js';
import { config } from '../src/config.js';
import { Graph } from '../src/graph/driver.js';
import { floorSchema } from './floor.js';
import { createPeerSchema } from './peer.js';

/** The servers a benchmark compares. */
export const SERVER_KINDS = [
  'ours',
  'ours-uncached',
  'naive',
  'peer',
  'floor',
  'floor-peer-cypher',
  'floor-our-cypher',
] as const;
export type ServerKind = (typeof SERVER_KINDS)[number];

/** Starts a server of `kind` on a free loopback port and returns its GraphQL URL and a stop function. */
export async function startBenchServer(kind: ServerKind): Promise<{ url: string; stop(): Promise<void> }> {
  const graph = new Graph();
  if (kind === 'peer') return startBareApollo(graph, { schema: await createPeerSchema(graph.driver) });
  if (kind === 'floor') return startBareApollo(graph, await floorSchema(graph));
  if (kind === 'floor-peer-cypher') return startBareApollo(graph, await floorSchema(graph, { peerCypher: true }));
  if (kind === 'floor-our-cypher') return startBareApollo(graph, await floorSchema(graph, { ourCypher: true }));
  const api = { ...config.api, host: '127.0.0.1', port: 0 };
  // The default response cache for `ours`; none for the uncached and naive runs, which measure the work itself.
  const cacheMb = kind === 'ours' ? config.api.responseCacheMb || 64 : 0;
  const running = await startServer(
    graph,
    { ...config, api: { ...api, responseCacheMb: cacheMb } },
    { batching: kind !== 'naive' },
  );
  return {
    url: running.url,
    async stop() {
      await running.stop();
      await graph.close();
    },
  };
}

/**
 * The peer or the floor behind a bare Apollo Server (no limits, metrics or cache plugins, and cache control off as
 * in ours) on Node's HTTP server, as ours is, so that only the GraphQL layer differs.
 */
async function startBareApollo(
  graph: Graph,
  options: ApolloServerOptions<BaseContext>,
): Promise<{ url: string; stop(): Promise<void> }> {
  // Ours turns off Apollo's cache-control plugin (no @cacheControl hints; src/api/server.ts), which otherwise wraps
  // every field's resolver; so do these. Left on, it cost the floor a quarter of its throughput and the peer 4-14%
  // (27 November, bench/notes.md step 37).
  const apollo = new ApolloServer({
    ...options,
    plugins: [...(options.plugins ?? []), ApolloServerPluginCacheControlDisabled()],
  });
  await apollo.start();
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers = new Map<string, string>();
    for (const [key, value] of Object.entries(req.headers)) if (typeof value === 'string') headers.set(key, value);
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: {
        method: req.method ?? 'POST',
        headers: new HeaderMap(headers),
        search: '',
        body: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}'),
      },
      context: async () => ({}),
    });
    for (const [key, value] of response.headers) res.setHeader(key, value);
    res.statusCode = response.status ?? 200;
    res.end(response.body.kind === 'complete' ? response.body.string : '');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    async stop() {
      await new Promise((resolve) => server.close(resolve));
      await apollo.stop();
      await graph.close();
    },
  };
}

// As a process: `node dist/bench/server.js <kind>` prints {"url": …} and serves until SIGTERM.
if (process.argv[1]?.endsWith('server.js') && process.argv[2]) {
  const kind = process.argv[2] as ServerKind;
  if (!SERVER_KINDS.includes(kind)) throw new Error(`unknown server kind ${kind}; one of ${SERVER_KINDS.join(', ')}`);
  const running = await startBenchServer(kind);
  process.stdout.write(`${JSON.stringify({ url: running.url })}\n`);
  process.on('SIGTERM', () => {
    running.stop().then(() => process.exit(0));
  });
}
