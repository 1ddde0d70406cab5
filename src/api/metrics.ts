// Prometheus metrics of the API: HTTP requests, GraphQL operations and errors by code, Neo4j statements.
import type { ApolloServerPlugin } from '@apollo/server';
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import type { Graph } from '../graph/driver.js';
import type { Context } from './context.js';

/** The metrics of one server, in their own registry (so that tests can start several servers). */
export interface Metrics {
  registry: Registry;
  httpRequests: Counter<'route' | 'status'>;
  /** GraphQL operations by what the response cache did: hit, miss or bypass (mutations, cache off). */
  cacheRequests: Counter<'outcome'>;
  plugin: ApolloServerPlugin<Context>;
}

/** Creates the metrics, their Apollo plugin, and hooks Neo4j statement timing on `graph`. */
export function createMetrics(graph: Graph): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'coverage_graph_' });
  const httpRequests = new Counter({
    name: 'coverage_graph_http_requests_total',
    help: 'HTTP requests by route and status',
    labelNames: ['route', 'status'] as const,
    registers: [registry],
  });
  const cacheRequests = new Counter({
    name: 'coverage_graph_response_cache_total',
    help: 'GraphQL operations by response cache outcome',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const operations = new Histogram({
    name: 'coverage_graph_graphql_duration_seconds',
    help: 'GraphQL operations by operation name and outcome',
    labelNames: ['operation', 'outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const errors = new Counter({
    name: 'coverage_graph_graphql_errors_total',
    help: 'GraphQL errors by extensions.code',
    labelNames: ['code'] as const,
    registers: [registry],
  });
  const statements = new Histogram({
    name: 'coverage_graph_neo4j_query_duration_seconds',
    help: 'Cypher statements sent to Neo4j, by outcome',
    labelNames: ['outcome'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
    registers: [registry],
  });
  graph.onQueryDone((seconds, failed) => statements.observe({ outcome: failed ? 'error' : 'ok' }, seconds));
  // Operation names come from clients: keep the label set bounded.
  const names = new Set<string>();
  const label = (name: string | null | undefined) => {
    if (!name || !/^[A-Za-z_]\w{0,40}$/.test(name)) return 'anonymous';
    if (names.has(name) || names.size < 100) {
      names.add(name);
      return name;
    }
    return 'other';
  };
  const plugin: ApolloServerPlugin<Context> = {
    async requestDidStart() {
      const started = process.hrtime.bigint();
      return {
        async willSendResponse({ operationName, errors: failures }) {
          for (const error of failures ?? [])
            errors.inc({ code: String(error.extensions?.code ?? 'INTERNAL_SERVER_ERROR') });
          operations.observe(
            { operation: label(operationName), outcome: failures?.length ? 'error' : 'ok' },
            Number(process.hrtime.bigint() - started) / 1e9,
          );
        },
      };
    },
  };
  return { registry, httpRequests, cacheRequests, plugin };
}
