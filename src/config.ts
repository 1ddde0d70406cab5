// One typed configuration object: defaults, overridden from the environment once at start-up.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project's root folder (where package.json lives), whether running from src or dist. */
export const projectRoot = findRoot(path.dirname(fileURLToPath(import.meta.url)));

function findRoot(from: string): string {
  // src/config.ts -> .. ; dist/src/config.js -> ../..
  const up = path.basename(path.dirname(from)) === 'dist' ? '../..' : '..';
  return path.resolve(from, up);
}

function env(name: string, fallback: string): string {
  const value = process.env[name];
  return value === undefined || value === '' ? fallback : value;
}

function intEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    throw new Error(`Environment variable ${name} must be a non-negative integer, got "${raw}"`);
  }
  return value;
}

function boolEnv(name: string, fallback: boolean): boolean {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new Error(`Environment variable ${name} must be true or false, got "${raw}"`);
}

/** Parses `API_KEYS` (comma-separated); throws, without echoing any key, when one is too short to be a secret. */
export function parseApiKeys(raw: string): string[] {
  const keys = raw
    .split(',')
    .map((key) => key.trim())
    .filter((key) => key !== '');
  keys.forEach((key, i) => {
    if (key.length < 16 || /\s/.test(key)) {
      throw new Error(
        `API_KEYS: key ${i + 1} of ${keys.length} must be at least 16 characters without spaces ` +
          '(e.g. `openssl rand -hex 32`)',
      );
    }
  });
  return keys;
}

/** Reads the configuration from the environment; called once for `config`, and by tests that change the environment. */
export function loadConfig() {
  const boltPort = intEnv('NEO4J_BOLT_PORT', 7687);
  return {
    env: env('NODE_ENV', 'development'),
    neo4j: {
      uri: env('NEO4J_URI', `bolt://127.0.0.1:${boltPort}`),
      user: env('NEO4J_USER', 'neo4j'),
      password: env('NEO4J_PASSWORD', 'coverage-graph'),
      database: env('NEO4J_DATABASE', 'neo4j'),
      /** Per-transaction timeout for API reads, in milliseconds. */
      readTimeoutMs: intEnv('NEO4J_READ_TIMEOUT_MS', 15_000),
      /** How long the driver retries a transaction on a transient error or an outage before giving up. */
      maxRetryMs: intEnv('NEO4J_MAX_RETRY_MS', 5_000),
      /** How long opening a connection may take. */
      connectTimeoutMs: intEnv('NEO4J_CONNECT_TIMEOUT_MS', 5_000),
    },
    /** The local Neo4j started by `coverage-graph neo4j start` (no Docker). */
    localNeo4j: {
      version: env('NEO4J_VERSION', '5.26.30'),
      host: env('NEO4J_BOLT_HOST', '127.0.0.1'),
      boltPort,
      home: path.resolve(projectRoot, env('NEO4J_HOME', '.neo4j')),
      /** Maven repository that caches the Neo4j jars, shared by every local instance. */
      mavenRepo: path.resolve(projectRoot, env('NEO4J_MAVEN_REPO', '.neo4j/m2')),
      authEnabled: boolEnv('NEO4J_AUTH_ENABLED', true),
      heap: env('NEO4J_HEAP', '1g'),
      pageCache: env('NEO4J_PAGECACHE', '512m'),
      startTimeoutMs: intEnv('NEO4J_START_TIMEOUT_MS', 180_000),
    },
    api: {
      host: env('HOST', '0.0.0.0'),
      port: intEnv('PORT', 4000),
      /** Hard cap on `first` for every connection. */
      maxPageSize: intEnv('MAX_PAGE_SIZE', 500),
      defaultPageSize: intEnv('DEFAULT_PAGE_SIZE', 50),
      /** Query limits: nesting depth, aliases, and estimated cost (fields times the `first` of their parents). */
      maxQueryDepth: intEnv('MAX_QUERY_DEPTH', 15),
      maxAliases: intEnv('MAX_ALIASES', 50),
      maxQueryCost: intEnv('MAX_QUERY_COST', 100_000),
      /** Origins allowed to call the API from a browser (`*` for any); none by default. */
      corsOrigins: env('CORS_ORIGINS', '')
        .split(',')
        .map((o) => o.trim())
        .filter((o) => o !== ''),
      /** Schema introspection; on unless NODE_ENV is production. */
      introspection: boolEnv('INTROSPECTION', env('NODE_ENV', 'development') !== 'production'),
      /** The landing page on GET (Apollo Sandbox in development); on unless NODE_ENV is production. */
      landingPage: boolEnv('LANDING_PAGE', env('NODE_ENV', 'development') !== 'production'),
      /** The coverage page at /coverage; on by default (it holds no data: it asks GraphQL like any client). */
      coveragePage: boolEnv('COVERAGE_PAGE', true),
      /**
       * Budget of the response cache in MiB (answers of query operations, kept until the next seed); 0 turns it
       * off.
       */
      responseCacheMb: intEnv('RESPONSE_CACHE_MB', 64),
      /**
       * API keys (`API_KEYS`, comma-separated): when any is set, every route but /healthz and /readyz needs
       * `Authorization: Bearer <key>`. None by default.
       */
      apiKeys: parseApiKeys(env('API_KEYS', '')),
      /** A YAML file of score weights (see src/report/score.ts); empty: the defaults. */
      scoreWeightsFile: env('SCORE_WEIGHTS_FILE', ''),
      /** Where users reach the API, for links in Navigator layers. */
      publicUrl: env('PUBLIC_URL', `http://localhost:${intEnv('PORT', 4000)}/graphql`),
    },
    seed: {
      /** Rows per UNWIND batch in one write transaction. */
      batchSize: intEnv('SEED_BATCH_SIZE', 5_000),
    },
  };
}

export type Config = ReturnType<typeof loadConfig>;

/** The configuration of this process, read once from the environment. */
export const config: Config = loadConfig();
