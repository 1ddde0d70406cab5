// Optional API keys: `Authorization: Bearer <key>` on every route but the probes, compared in constant time.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** Routes that answer without a key: the liveness and readiness probes of orchestrators. */
export const OPEN_ROUTES: readonly string[] = ['/healthz', '/readyz'];

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/**
 * A check of a request's Authorization header against `keys`, or null when there are no keys (the API is open).
 * Both sides are hashed to equal lengths and every key is compared, so the time taken tells nothing about how much
 * of a key matched or which key did.
 */
export function apiKeyCheck(keys: readonly string[]): ((authorization: string | undefined) => boolean) | null {
  if (keys.length === 0) return null;
  const digests = keys.map(digest);
  return (authorization) => {
    const given = /^Bearer +(\S+) *$/i.exec(authorization ?? '')?.[1];
    const candidate = digest(given ?? '');
    let matched = false;
    for (const key of digests) matched = timingSafeEqual(key, candidate) || matched;
    return given !== undefined && matched;
  };
}

/**
 * Whether a request asks for the landing page: a browser's GET of `/` or `/graphql`, accepting HTML, with nothing
 * after the path (so neither a query nor a persisted-query hash). The page holds no data, and the browser cannot send
 * a key to load it; the operations it then sends need one.
 */
export function isLandingPageRequest(req: IncomingMessage, url: URL): boolean {
  return (
    req.method === 'GET' &&
    (url.pathname === '/' || url.pathname === '/graphql') &&
    url.search === '' &&
    /text\/html/i.test(req.headers.accept ?? '')
  );
}
