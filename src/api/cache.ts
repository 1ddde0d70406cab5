// The response cache: whole HTTP answers of query operations, keyed by the request and the graph's version.
import { createHash } from 'node:crypto';
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import type { Graph } from '../graph/driver.js';
import { readGraphVersion } from '../graph/read-state.js';

/** What the cache did, for metrics. */
export type CacheOutcome = 'hit' | 'miss' | 'bypass';

/** An answer as sent: status, headers and the body text. */
export interface StoredAnswer {
  status: number;
  headers: [string, string][];
  body: string;
}

/**
 * A least-recently-used map of answers with a byte budget. An answer larger than an eighth of the budget is not
 * kept, so that one huge answer cannot push out everything else.
 */
export class ResponseCache<T = StoredAnswer> {
  private readonly entries = new Map<string, { answer: T; bytes: number }>();
  private bytes = 0;

  constructor(
    readonly maxBytes: number,
    private readonly sizeOf: (answer: T) => number = (answer) => JSON.stringify(answer).length * 2,
  ) {}

  get(key: string): T | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.answer;
  }

  set(key: string, answer: T): void {
    const bytes = this.sizeOf(answer);
    if (bytes > this.maxBytes / 8 || this.entries.has(key)) return;
    this.entries.set(key, { answer, bytes });
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
 * Reads the graph's version for many requests at once without ever answering a request with a version read before
 * it arrived. A request joins the read queued behind the one in flight (which started before it arrived, so it may
 * predate a seed that finished since); with no read in flight it starts one. So at most two reads are pending, and
 * under load one statement serves every request that arrived while the previous one ran, instead of one each.
 */
export class VersionReader {
  private inFlight: Promise<string | null> | null = null;
  private queued: Promise<string | null> | null = null;

  constructor(private readonly read: () => Promise<string | null>) {}

  version(): Promise<string | null> {
    if (this.queued) return this.queued;
    if (!this.inFlight) return this.start();
    const settled = this.inFlight.then(
      () => undefined,
      () => undefined,
    );
    this.queued = settled.then(() => {
      this.queued = null;
      return this.start();
    });
    return this.queued;
  }

  private start(): Promise<string | null> {
    const read = this.read().finally(() => {
      if (this.inFlight === read) this.inFlight = null;
    });
    this.inFlight = read;
    return read;
  }
}

/** What the operation of a request turned out to be; set by `answerKindPlugin`, read by the HTTP layer. */
export interface AnswerKind {
  /** A query operation answered without errors: the answer may be kept. */
  cacheable: boolean;
  /** The request carried an operation (query or mutation) that Apollo resolved. */
  operation: 'query' | 'mutation' | 'subscription' | null;
}

/** Marks in the context whether the request was a query operation whose answer has no errors. */
export function answerKindPlugin<T extends BaseContext & { answer: AnswerKind }>(): ApolloServerPlugin<T> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue, operation, response }) {
          contextValue.answer.operation = operation?.operation ?? null;
          contextValue.answer.cacheable =
            operation?.operation === 'query' &&
            response.body.kind === 'single' &&
            !response.body.singleResult.errors?.length;
        },
      };
    },
  };
}

/** The parts of an HTTP request that decide its answer (API keys are checked before the cache is asked). */
export interface RequestParts {
  method: string;
  search: string;
  contentType: string;
  accept: string;
  /**
   * Whether a header that Apollo's CSRF prevention accepts as a preflight was sent: a GET without one is refused,
   * so it must not share the entry of one with it.
   */
  preflight: boolean;
  body: string;
}

/**
 * Whole answers of query operations, kept until the graph's version changes. A hit is served before Apollo parses
 * anything: the stored status, headers and body text, for one shared read of the version. Every seed changes the
 * graph's version (at its start and end), so a seed invalidates every answer without the API being told.
 */
export class HttpResponseCache {
  private readonly cache: ResponseCache<StoredAnswer>;
  private readonly versions: VersionReader;

  constructor(graph: Graph, maxBytes: number) {
    this.cache = new ResponseCache(maxBytes, (answer) => answer.body.length * 2 + 256);
    this.versions = new VersionReader(() => readGraphVersion(graph));
  }

  /** The key of a request at the graph's current version, or null when the cache is off or Neo4j unreachable. */
  async keyOf(request: RequestParts): Promise<string | null> {
    if (this.cache.maxBytes <= 0) return null;
    let version: string;
    try {
      version = (await this.versions.version()) ?? 'none';
    } catch {
      // Neo4j unreachable: run the operation, which reports SERVICE_UNAVAILABLE in the usual way.
      return null;
    }
    const { method, search, contentType, accept, preflight, body } = request;
    return createHash('sha256')
      .update(JSON.stringify([method, search, contentType, accept, preflight, body, version]))
      .digest('hex');
  }

  get(key: string): StoredAnswer | undefined {
    return this.cache.get(key);
  }

  set(key: string, answer: StoredAnswer): void {
    this.cache.set(key, answer);
  }
}
