// Catching the SourceError a parser throws, for assertions on its file, position and reason.
import assert from 'node:assert/strict';
import { SourceError } from '../../src/errors.js';

/** The SourceError that `parse` throws; fails the test when it throws something else or nothing. */
export function sourceFailure(parse: () => unknown, name: string): SourceError {
  try {
    parse();
  } catch (error) {
    assert.ok(error instanceof SourceError, `expected a SourceError, got ${error}`);
    return error;
  }
  assert.fail(`${name} parsed without error`);
}
