// The only door to Neo4j: the driver, read and write transactions, result conversion, and a query counter.
import neo4j, { type Driver, Neo4jError, type Result } from 'neo4j-driver';
import { type Config, config as defaultConfig } from '../config.js';

export type Params = Record<string, unknown>;
export type Row = Record<string, unknown>;

/** Observes every Cypher statement sent, e.g. to count round trips per request. */
export type QueryListener = (cypher: string, params: Params) => void;

/** Observes every finished statement: how long it took and whether it failed (for metrics). */
export type QueryTimer = (seconds: number, failed: boolean) => void;

/** A connection to the graph: parameterised reads and writes, plain JS values out (never a driver Integer). */
export class Graph {
  readonly driver: Driver;
  readonly database: string;
  private readonly readTimeoutMs: number;
  private readonly maxRetryMs: number;
  private readonly listeners = new Set<QueryListener>();
  private readonly timers = new Set<QueryTimer>();

  constructor(settings: Config['neo4j'] = defaultConfig.neo4j) {
    this.driver = neo4j.driver(settings.uri, neo4j.auth.basic(settings.user, settings.password), {
      // Numbers come back as JS numbers: ids and counts in this graph stay far below 2^53.
      disableLosslessIntegers: true,
      maxConnectionPoolSize: 50,
      connectionAcquisitionTimeout: 10_000,
      connectionTimeout: settings.connectTimeoutMs,
      maxTransactionRetryTime: settings.maxRetryMs,
      userAgent: 'coverage-graph',
    });
    this.database = settings.database;
    this.readTimeoutMs = settings.readTimeoutMs;
    this.maxRetryMs = settings.maxRetryMs;
  }

  /** Calls `listener` for every statement this Graph sends; returns a function that removes it. */
  onQuery(listener: QueryListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Calls `timer` when each statement finishes; returns a function that removes it. */
  onQueryDone(timer: QueryTimer): () => void {
    this.timers.add(timer);
    return () => this.timers.delete(timer);
  }

  /**
   * Runs one read statement as an auto-commit read (one round trip less than a managed transaction: under load
   * it doubles how many small statements Neo4j answers; BENCHMARKS.md) and returns its rows. Retries, as a managed
   * transaction would, on errors Neo4j marks retryable (an outage, a leader switch) for up to `maxRetryMs`.
   */
  async read(cypher: string, params: Params = {}): Promise<Row[]> {
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      const session = this.driver.session({ database: this.database, defaultAccessMode: neo4j.session.READ });
      let failure: unknown;
      try {
        return await this.run((c, p) => session.run(c, p, { timeout: this.readTimeoutMs }), cypher, params);
      } catch (error) {
        failure = error;
      } finally {
        // A failing close must not hide the statement's own result or error.
        await session.close().catch(() => {});
      }
      // Exponential back-off with jitter, so that the requests of an outage do not all retry at once.
      const wait = Math.min(1000, 50 * 2 ** attempt) * (0.5 + Math.random() / 2);
      if (!Neo4jError.isRetryable(failure) || Date.now() - started + wait > this.maxRetryMs) throw failure;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }

  /** Runs `work` in one managed write transaction; the driver may retry it, so `work` must be idempotent. */
  async write<T>(work: (run: (cypher: string, params?: Params) => Promise<Row[]>) => Promise<T>): Promise<T> {
    const session = this.driver.session({ database: this.database, defaultAccessMode: neo4j.session.WRITE });
    try {
      return await session.executeWrite((tx) =>
        work((cypher, params = {}) => this.run((c, p) => tx.run(c, p), cypher, params)),
      );
    } finally {
      await session.close();
    }
  }

  /** Runs one statement outside an explicit transaction: for schema statements only. */
  async schema(cypher: string): Promise<void> {
    const session = this.driver.session({ database: this.database });
    try {
      this.notify(cypher, {});
      await session.run(cypher);
    } finally {
      await session.close();
    }
  }

  /** Resolves when the server answers; rejects with the driver's error otherwise. */
  async verify(): Promise<void> {
    await this.driver.verifyConnectivity({ database: this.database });
  }

  /** Closes every connection; the Graph cannot be used afterwards. */
  async close(): Promise<void> {
    await this.driver.close();
  }

  /** Runs one statement through `runner` (a transaction's or a session's `run`), timed and observed. */
  private async run(
    runner: (cypher: string, params: Params) => Result,
    cypher: string,
    params: Params,
  ): Promise<Row[]> {
    this.notify(cypher, params);
    const started = process.hrtime.bigint();
    let failed = true;
    try {
      const result = await runner(cypher, params);
      failed = false;
      return result.records.map((record) => record.toObject() as Row);
    } finally {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      for (const timer of this.timers) timer(seconds, failed);
    }
  }

  private notify(cypher: string, params: Params): void {
    for (const listener of this.listeners) listener(cypher, params);
  }
}

/** Whether an error means the database is unreachable or unavailable (as opposed to a bad query). */
export function isUnavailable(error: unknown): boolean {
  if (error instanceof Neo4jError) {
    return (
      error.code === 'ServiceUnavailable' ||
      error.code === 'SessionExpired' ||
      error.code.startsWith('Neo.TransientError') ||
      error.code === 'Neo.ClientError.Security.Unauthorized'
    );
  }
  return false;
}
