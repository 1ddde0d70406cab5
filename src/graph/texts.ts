// Statement texts built once per shape (the labels, relations and property lists they depend on), not per request.
import type { Keep } from './properties.js';

/** At most this many texts are kept: a client varying its selections empties the store rather than growing it. */
const MAX_TEXTS = 1000;
const TEXTS = new Map<string, string>();

/** The text for `shape`, built by `build` the first time (or again after the store was emptied). */
export function textOf(shape: string, build: () => string): string {
  let text = TEXTS.get(shape);
  if (text === undefined) {
    if (TEXTS.size >= MAX_TEXTS) TEXTS.clear();
    text = build();
    TEXTS.set(shape, text);
  }
  return text;
}

/** A property list in a shape: distinct lists give distinct shapes (a name holding a comma, or `*`, included). */
export const keepShape = (keep: Keep | undefined) => JSON.stringify(keep ?? null);
