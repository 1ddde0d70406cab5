// The response cache: whole answers of query operations, keyed by query, variables and the graph's version.
import { createHash } from 'node:crypto';
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import type { FormattedExecutionResult } from 'graphql';
import type { Graph } from '../graph/driver.js';
import { readGraphVersion } from '../graph/read.js';

/** What the cache did, for metrics. */
export type CacheOutcome = 'hit' | 'miss' | 'bypass';

export interface ResponseCacheOptions {
  /** Largest total size of the stored answers, in bytes; 0 turns the cache off. */
  maxBytes: number;
  onOutcome?: (outcome: CacheOutcome) => void;
}

/**
 * A least-recently-used map of answers with a byte budget. An answer larger than an eighth of the budget is not
 * kept, so that one huge answer cannot push out everything else.
 */
export class ResponseCache {
  private readonly entries = new Map<string, { result: FormattedExecutionResult; bytes: number }>();
  private bytes = 0;

  constructor(readonly maxBytes: number) {}

  get(key: string): FormattedExecutionResult | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.result;
  }

  set(key: string, result: FormattedExecutionResult): void {
    const bytes = JSON.stringify(result).length * 2;
    if (bytes > this.maxBytes / 8 || this.entries.has(key)) return;
    this.entries.set(key, { result, bytes });
    this.bytes += bytes;
    for (const [oldest, entry] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.bytes -= entry.bytes;
    }
  }

  get size(): number {
    return this.entries.size;
  }
}

/**
 * Answers a query operation from the cache when the same query (by hash), operation name and variables were
 * answered without errors since the graph last changed. Every seed changes the graph's version (at its start and
 * end), so a seed invalidates every answer without the API being told. Mutations are never cached.
 */
export function responseCachePlugin<T extends BaseContext>(
  graph: Graph,
  options: ResponseCacheOptions,
): ApolloServerPlugin<T> {
  const cache = new ResponseCache(options.maxBytes);
  const outcome = options.onOutcome ?? (() => {});
  return {
    async requestDidStart() {
      let key: string | null = null;
      let hit = false;
      return {
        async responseForOperation({ operation, queryHash, operationName, request, response }) {
          if (options.maxBytes <= 0 || operation.operation !== 'query') {
            outcome('bypass');
            return null;
          }
          let version: string;
          try {
            version = (await readGraphVersion(graph)) ?? 'none';
          } catch {
            // Neo4j unreachable: run the operation, which reports SERVICE_UNAVAILABLE in the usual way.
            outcome('bypass');
            return null;
          }
          key = createHash('sha256')
            .update(JSON.stringify([queryHash, operationName ?? null, canonical(request.variables ?? {}), version]))
            .digest('hex');
          const cached = cache.get(key);
          outcome(cached ? 'hit' : 'miss');
          if (!cached) return null;
          hit = true;
          return { http: response.http, body: { kind: 'single', singleResult: cached } };
        },
        async willSendResponse({ response }) {
          if (hit || key === null || response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          if (!result.errors?.length) cache.set(key, result);
        },
      };
    },
  };
}

/** A JSON-compatible value with object keys sorted, so that equal variables give equal keys. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}
