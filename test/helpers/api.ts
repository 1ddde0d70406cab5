// Starting the real API server on a free port for a test, and sending it GraphQL over HTTP.
import { startServer } from '../../src/api/server.js';
import { type Config, config } from '../../src/config.js';
import type { Graph } from '../../src/graph/driver.js';

export interface GraphQLResponse {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

export interface TestServer {
  url: string;
  /** POSTs an operation, with `Authorization: Bearer <key>` when a key is given. */
  gql(query: string, variables?: Record<string, unknown>, key?: string): Promise<GraphQLResponse>;
  stop(): Promise<void>;
}

/** The API on 127.0.0.1 and a free port, over `graph`, with API settings overridden by `api`. */
export async function startTestServer(graph: Graph, api: Partial<Config['api']> = {}): Promise<TestServer> {
  const running = await startServer(graph, { ...config, api: { ...config.api, ...api, host: '127.0.0.1', port: 0 } });
  return {
    url: running.url,
    async gql(query, variables, key) {
      const response = await fetch(running.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      return (await response.json()) as GraphQLResponse;
    },
    stop: () => running.stop(),
  };
}
