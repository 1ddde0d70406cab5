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
 * Whether a request asks for the landing page (a browser's GET of HTML without a query): it holds no data, and the
 * browser cannot send a key to load it; the operations it then sends need one.
 */
export function isLandingPageRequest(req: IncomingMessage, url: URL): boolean {
  return req.method === 'GET' && /text\/html/i.test(req.headers.accept ?? '') && !url.searchParams.has('query');
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
