// Relay connections: validating first/after, opaque offset cursors, and slicing lists into pages.
import { config } from '../config.js';
import { BadUserInputError } from '../errors.js';

export interface PageArgs {
  first?: number | null;
  after?: string | null;
}

export interface Window {
  offset: number;
  limit: number;
}

export interface Connection<T> {
  edges: { cursor: string; node: T; description: string | null }[];
  nodes: T[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  totalCount: number;
}

const CURSOR_PREFIX = 'offset:';
/** A cursor's text: the prefix and a canonical offset below 10^9 (so that Cypher's SKIP stays a 32-bit integer). */
const CURSOR_TEXT = /^offset:(0|[1-9]\d{0,8})$/;

/** The cursors of the first offsets, made once: every edge of every page has one. */
const CURSORS = Array.from({ length: 1024 }, (_, offset) =>
  Buffer.from(`${CURSOR_PREFIX}${offset}`).toString('base64url'),
);

/** The opaque cursor of the item at `offset` in a list. */
export function encodeCursor(offset: number): string {
  return CURSORS[offset] ?? Buffer.from(`${CURSOR_PREFIX}${offset}`).toString('base64url');
}

/** Turns `first`/`after` into an offset and limit; BAD_USER_INPUT when out of range or not our cursor. */
export function pageWindow(args: PageArgs, maxPageSize = config.api.maxPageSize): Window {
  const first = args.first ?? config.api.defaultPageSize;
  if (!Number.isInteger(first) || first < 0 || first > maxPageSize) {
    throw new BadUserInputError(`"first" must be an integer from 0 to ${maxPageSize}, got ${first}`, 'first');
  }
  let offset = 0;
  if (args.after !== undefined && args.after !== null) {
    const match = CURSOR_TEXT.exec(Buffer.from(args.after, 'base64url').toString('utf8'));
    const value = match ? Number(match[1]) : Number.NaN;
    if (Number.isNaN(value)) {
      throw new BadUserInputError(
        `"after" must be a cursor returned by this API (pageInfo.endCursor), got "${args.after}"`,
        'after',
      );
    }
    offset = value + 1;
  }
  return { offset, limit: first };
}

/** A connection over one page of items that starts at `window.offset` among `totalCount`. */
export function connectionOf<T>(
  page: { node: T; description?: string | null }[],
  window: Window,
  totalCount: number,
): Connection<T> {
  const edges = page.map((item, i) => ({
    cursor: encodeCursor(window.offset + i),
    node: item.node,
    description: item.description ?? null,
  }));
  return {
    edges,
    nodes: edges.map((edge) => edge.node),
    pageInfo: {
      hasNextPage: window.offset + page.length < totalCount,
      hasPreviousPage: window.offset > 0,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    totalCount,
  };
}

/** A connection over a whole list held in memory (a node's related items): slices it by `args`. */
export function connectionFromList<T>(
  items: { node: T; description?: string | null }[],
  args: PageArgs,
): Connection<T> {
  const window = pageWindow(args);
  return connectionOf(items.slice(window.offset, window.offset + window.limit), window, items.length);
}
