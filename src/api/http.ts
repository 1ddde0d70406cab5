// The HTTP edge of the API: request targets, metric routes, CORS, request bodies, JSON answers, the readiness probe.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Graph } from '../graph/driver.js';
import { readGraphState } from '../graph/read-state.js';
import { isPagePath } from './page.js';

/** Largest request body accepted, in bytes. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** A request target as a URL (relative to the server), or null when it is none. */
export function parseTarget(target: string): URL | null {
  try {
    return new URL(target, 'http://localhost');
  } catch {
    return null;
  }
}

/** The route of a request, for metric labels (a fixed set, whatever clients send). */
export function routeOf(url: URL): string {
  const path = url.pathname;
  if (isPagePath(path)) return '/coverage';
  return ['/graphql', '/healthz', '/readyz', '/metrics', '/'].includes(path) ? path : 'other';
}

/**
 * CORS for the configured origins: sets the headers for an allowed origin and answers preflight requests.
 * Returns true when the request was answered here.
 */
export function cors(req: IncomingMessage, res: ServerResponse, origins: string[]): boolean {
  const origin = req.headers.origin;
  if (origin && (origins.includes('*') || origins.includes(origin))) {
    res.setHeader('access-control-allow-origin', origins.includes('*') ? '*' : origin);
    res.setHeader('vary', 'Origin');
    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        'access-control-allow-methods': 'GET, POST, OPTIONS',
        'access-control-allow-headers': 'content-type, authorization, apollo-require-preflight',
        'access-control-max-age': '600',
      });
      res.end();
      return true;
    }
  }
  return false;
}

/** The readiness probe: ready once ATT&CK and the coverage facts are in the graph and Neo4j answers. */
export async function readiness(res: ServerResponse, graph: Graph) {
  try {
    const { attackLoaded, factsMissing } = await readGraphState(graph);
    if (!attackLoaded) {
      return json(res, 503, { status: 'not ready', reason: 'no ATT&CK data loaded: run `coverage-graph seed`' });
    }
    if (factsMissing) {
      return json(res, 503, {
        status: 'not ready',
        reason: 'coverage facts missing (the graph was written by an older version): run `coverage-graph seed` again',
      });
    }
    return json(res, 200, { status: 'ready' });
  } catch (error) {
    return json(res, 503, {
      status: 'not ready',
      reason: `Neo4j unreachable: ${(error as Error).message.split('\n')[0]}`,
    });
  }
}

/** The request body as text, or 'too large' past MAX_BODY_BYTES (the rest is drained, not kept). */
export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        req.removeAllListeners('data');
        req.resume();
        resolve('too large');
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Answers with `value` as JSON. */
export function json(res: ServerResponse, status: number, value: unknown) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(value));
}
