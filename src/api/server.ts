// The HTTP server: Apollo Server on /graphql behind the response cache and API keys, the probes and pages routed.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { ApolloServer, HeaderMap } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import {
  ApolloServerPluginLandingPageLocalDefault,
  ApolloServerPluginLandingPageProductionDefault,
} from '@apollo/server/plugin/landingPage/default';
import type { GraphQLFormattedError } from 'graphql';
import { type Config, config as defaultConfig } from '../config.js';
import { ErrorCode, QueryTooComplexError } from '../errors.js';
import { type Graph, isUnavailable } from '../graph/driver.js';
import { apiKeyCheck, isLandingPageRequest, OPEN_ROUTES } from './auth.js';
import { answerKindPlugin, HttpResponseCache } from './cache.js';
import { type Context, type ContextOptions, createContext } from './context.js';
import { cors, json, MAX_BODY_BYTES, parseTarget, readBody, readiness, routeOf } from './http.js';
import { knownOperationTypesRule, queryCostPlugin, queryLimitsRule } from './limits.js';
import { createMetrics, type Metrics } from './metrics.js';
import { isPageRequest, servePage } from './page.js';
import { projectionPlugin } from './projection.js';
import { resolvers } from './resolvers/index.js';
import { loadTypeDefs } from './schema.js';

export interface RunningServer {
  url: string;
  server: http.Server;
  apollo: ApolloServer<Context>;
  stop(): Promise<void>;
}

/**
 * Runs one GraphQL operation in process, without HTTP (the CLI's `layer` command): same schema, resolvers and
 * loaders as the server. Throws with the errors' messages when the operation fails.
 */
export async function executeInProcess(graph: Graph, query: string, variables: Record<string, unknown>) {
  const apollo = new ApolloServer<Context>({
    typeDefs: loadTypeDefs(),
    resolvers: resolvers as never,
    plugins: [projectionPlugin()],
  });
  await apollo.start();
  try {
    const response = await apollo.executeOperation({ query, variables }, { contextValue: createContext(graph) });
    const result = response.body.kind === 'single' ? response.body.singleResult : null;
    if (!result || result.errors?.length) {
      throw new Error(result?.errors?.map((e) => e.message).join('; ') ?? 'no result');
    }
    return result.data as Record<string, unknown>;
  } finally {
    await apollo.stop();
  }
}

/** What `warmUp` asks: the coverage page's first questions. */
export const WARM_UP_QUERY = `{
  coverage { totals { techniques } tactics { counts { techniques } } techniques { id name tacticIds platforms } }
  groups(first: 500) { nodes { id name aliases } }
  datasets { name }
}`;

/**
 * Runs what the coverage page asks first (the Enterprise matrix, the group list), once, so that Neo4j has planned
 * those statements before the first visitor comes. Returns the error messages, if any, for tests; `serve` ignores
 * them: an unreachable Neo4j is reported by `/readyz` and by the requests themselves.
 */
export async function warmUp(running: RunningServer, graph: Graph): Promise<string[]> {
  try {
    const response = await running.apollo.executeOperation(
      { query: WARM_UP_QUERY },
      { contextValue: createContext(graph) },
    );
    const result = response.body.kind === 'single' ? response.body.singleResult : null;
    return result?.errors?.map((e) => e.message) ?? [];
  } catch (error) {
    return [(error as Error).message];
  }
}

/**
 * Starts the API on `config.api.port` (0 picks a free port). The caller owns `graph` and closes it. `options` are
 * for the benchmark (see ContextOptions).
 */
export async function startServer(
  graph: Graph,
  config: Config = defaultConfig,
  options: ContextOptions = {},
): Promise<RunningServer> {
  const production = config.env === 'production';
  const httpServer = http.createServer();
  const metrics = createMetrics(graph);
  const limits = {
    maxDepth: config.api.maxQueryDepth,
    maxAliases: config.api.maxAliases,
    maxCost: config.api.maxQueryCost,
    defaultPageSize: config.api.defaultPageSize,
    maxPageSize: config.api.maxPageSize,
  };
  const landing = !config.api.landingPage
    ? ApolloServerPluginLandingPageDisabled()
    : production
      ? ApolloServerPluginLandingPageProductionDefault({ footer: false })
      : ApolloServerPluginLandingPageLocalDefault({ footer: false });
  const apollo = new ApolloServer<Context>({
    typeDefs: loadTypeDefs(),
    resolvers: resolvers as never,
    csrfPrevention: true,
    // The CLI owns signals: it stops the server (draining requests), then closes the driver and exits 0.
    stopOnTerminationSignals: false,
    introspection: config.api.introspection,
    validationRules: [knownOperationTypesRule, queryLimitsRule(limits)],
    includeStacktraceInErrorResponses: !production,
    formatError: (formatted, error) => formatError(formatted, error, production),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      // The schema has no @cacheControl hints (answers are cached by responseCachePlugin): skip the per-field work.
      ApolloServerPluginCacheControlDisabled(),
      landing,
      metrics.plugin,
      queryCostPlugin<Context>(limits),
      projectionPlugin<Context>(),
      answerKindPlugin<Context>(),
    ],
  });
  await apollo.start();
  const authorized = apiKeyCheck(config.api.apiKeys);
  const cache = new HttpResponseCache(graph, config.api.responseCacheMb * 1024 * 1024);
  httpServer.on('request', (req, res) => {
    // Parsed once: the handler and the metric label both read it. A request target that is no URL (`GET http://[`)
    // gets a 400 here, before CORS and the key check (no browser sends one); before, it was a 500 and then an
    // uncaught error in the metric label that stopped the server.
    const target = req.url ?? '/';
    const url = parseTarget(target);
    res.on('finish', () =>
      metrics.httpRequests.inc({ route: url ? routeOf(url) : 'other', status: String(res.statusCode) }),
    );
    if (!url) {
      return json(res, 400, {
        errors: [
          {
            message: `the request target is not a valid URL: ${JSON.stringify(target.slice(0, 100))}`,
            extensions: { code: ErrorCode.BadUserInput },
          },
        ],
      });
    }
    if (cors(req, res, config.api.corsOrigins)) return;
    const handling = {
      apollo,
      graph,
      cache,
      metrics,
      options,
      authorized,
      landingPageOn: config.api.landingPage,
      coveragePageOn: config.api.coveragePage,
    };
    handle(req, url, res, handling).catch((error) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ message: 'Internal server error' }] }));
      console.error(error);
    });
  });
  await new Promise<void>((resolve) => httpServer.listen(config.api.port, config.api.host, resolve));
  const address = httpServer.address();
  const port = typeof address === 'object' && address ? address.port : config.api.port;
  const host = config.api.host === '0.0.0.0' ? '127.0.0.1' : config.api.host;
  return {
    url: `http://${host}:${port}/graphql`,
    server: httpServer,
    apollo,
    stop: () => apollo.stop(),
  };
}

/** What the request handler works with. */
interface Handling {
  apollo: ApolloServer<Context>;
  graph: Graph;
  cache: HttpResponseCache;
  metrics: Metrics;
  options: ContextOptions;
  /** The API-key check; null when no keys are configured. */
  authorized: ((authorization: string | undefined) => boolean) | null;
  /** Whether the landing page is served (it loads without a key). */
  landingPageOn: boolean;
  /** Whether the coverage page is served at /coverage (it loads without a key). */
  coveragePageOn: boolean;
}

/** The headers Apollo's CSRF prevention accepts as proof of a preflighted request (its defaults). */
const PREFLIGHT_HEADERS = ['x-apollo-operation-name', 'apollo-require-preflight'];

async function handle(
  req: IncomingMessage,
  url: URL,
  res: ServerResponse,
  { apollo, graph, cache, metrics, options, authorized, landingPageOn, coveragePageOn }: Handling,
) {
  const landingPage = landingPageOn && isLandingPageRequest(req, url);
  const page = coveragePageOn && isPageRequest(req, url);
  if (authorized && !OPEN_ROUTES.includes(url.pathname) && !landingPage && !page) {
    if (!authorized(req.headers.authorization)) {
      res.setHeader('www-authenticate', 'Bearer');
      return json(res, 401, {
        errors: [
          {
            message: 'This API needs an API key: send `Authorization: Bearer <key>`.',
            extensions: { code: ErrorCode.Unauthenticated },
          },
        ],
      });
    }
  }
  if (page) return servePage(url, res);
  if (url.pathname === '/healthz') return json(res, 200, { status: 'ok' });
  if (url.pathname === '/metrics') {
    res.writeHead(200, { 'content-type': metrics.registry.contentType });
    res.end(await metrics.registry.metrics());
    return;
  }
  if (url.pathname === '/readyz') return readiness(res, graph);
  if (url.pathname !== '/graphql' && url.pathname !== '/') {
    return json(res, 404, { error: `no route ${url.pathname}: GraphQL is at /graphql` });
  }
  const body = await readBody(req);
  if (body === 'too large')
    return json(res, 413, { errors: [{ message: `request body over ${MAX_BODY_BYTES} bytes` }] });
  const method = (req.method ?? 'GET').toUpperCase();
  const contentType = req.headers['content-type'] ?? '';
  // Only a request that can carry an operation is looked up: a bare GET (the landing page) is not.
  const key =
    body !== '' || url.search !== ''
      ? await cache.keyOf({
          method,
          search: url.search,
          contentType,
          accept: req.headers.accept ?? '',
          preflight: PREFLIGHT_HEADERS.some((name) => (req.headers[name]?.length ?? 0) > 0),
          body,
        })
      : null;
  const hit = key === null ? undefined : cache.get(key);
  if (hit) {
    metrics.cacheRequests.inc({ outcome: 'hit' });
    res.writeHead(hit.status, hit.headers);
    res.end(hit.body);
    return;
  }
  let parsed: unknown = body;
  if (/application\/json/i.test(contentType) && body !== '') {
    try {
      parsed = JSON.parse(body);
    } catch {
      return json(res, 400, {
        errors: [{ message: 'request body is not valid JSON', extensions: { code: ErrorCode.BadUserInput } }],
      });
    }
  }
  const headers = new HeaderMap();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  // Mutations only with keys configured and one in this request (GETs of the landing page skip the check above).
  const writable = authorized?.(req.headers.authorization) === true;
  const context = createContext(graph, { ...options, writable });
  const response = await apollo.executeHTTPGraphQLRequest({
    httpGraphQLRequest: { method, headers, search: url.search, body: parsed },
    context: async () => context,
  });
  for (const [name, value] of response.headers) res.setHeader(name, value);
  res.statusCode = response.status ?? 200;
  if (context.answer.operation !== null) {
    metrics.cacheRequests.inc({ outcome: context.answer.operation === 'query' && key !== null ? 'miss' : 'bypass' });
  }
  if (response.body.kind === 'complete') {
    if (key !== null && context.answer.cacheable && res.statusCode === 200) {
      cache.set(key, { status: 200, headers: [...response.headers], body: response.body.string });
    }
    res.end(response.body.string);
    return;
  }
  for await (const chunk of response.body.asyncIterator) res.write(chunk);
  res.end();
}

/** Database outages become SERVICE_UNAVAILABLE; in production, unexpected errors are masked. */
function formatError(formatted: GraphQLFormattedError, error: unknown, production: boolean): GraphQLFormattedError {
  const original = (error as { originalError?: unknown }).originalError ?? error;
  // Apollo labels every validation error GRAPHQL_VALIDATION_FAILED; query limits keep their own code.
  if (original instanceof QueryTooComplexError || error instanceof QueryTooComplexError) {
    return { ...formatted, extensions: { code: ErrorCode.QueryTooComplex } };
  }
  if (isUnavailable(original)) {
    return {
      message: 'The graph database is not reachable right now; retry shortly.',
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions: { code: ErrorCode.ServiceUnavailable },
    };
  }
  if (production && formatted.extensions?.code === ErrorCode.InternalServerError) {
    return {
      message: 'Internal server error',
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions: { code: ErrorCode.InternalServerError },
    };
  }
  return formatted;
}
