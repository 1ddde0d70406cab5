// The coverage page's static files, built into dist/web: `/coverage` and `/coverage/<file>`, no data in them.
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { projectRoot } from '../config.js';

/** Where the build puts the page (index.html, coverage.css, coverage.js). */
export const PAGE_DIR = path.join(projectRoot, 'dist', 'web');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/**
 * Only the page's own scripts, styles and GraphQL on this origin; pictures from data: and blob: URLs (the PNG
 * download draws the SVG through one); no framing.
 */
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Whether a path is the page's: `/coverage` or a file under it. */
export function isPagePath(pathname: string): boolean {
  return pathname === '/coverage' || pathname.startsWith('/coverage/');
}

/** Whether a request is for the page (served without an API key, like the landing page: it holds no data). */
export function isPageRequest(req: IncomingMessage, url: URL): boolean {
  return (req.method === 'GET' || req.method === 'HEAD') && isPagePath(url.pathname);
}

/** Answers a page request: index.html for `/coverage`, a built file by plain name, 404 for anything else. */
export function servePage(url: URL, res: ServerResponse, dir = PAGE_DIR): void {
  const name = url.pathname === '/coverage' || url.pathname === '/coverage/' ? 'index.html' : url.pathname.slice(10);
  // Plain file names only: no folders, no dot segments.
  if (!/^[a-z0-9][a-z0-9-]*\.(html|js|css|map)$/.test(name)) {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(`no page file ${url.pathname}`);
    return;
  }
  // Read at each request (a few small files, `no-cache`): a rebuild shows without a restart.
  let body: Buffer;
  try {
    body = readFileSync(path.join(dir, name));
  } catch {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(`no page file ${name} (run \`npm run build\` to build the page)`);
    return;
  }
  res.writeHead(200, {
    'content-type': TYPES[path.extname(name)] ?? 'application/octet-stream',
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
    ...(name === 'index.html' ? { 'content-security-policy': CSP } : {}),
  });
  res.end(body);
}
