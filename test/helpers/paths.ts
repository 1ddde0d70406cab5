// Where tests find their fixtures and the shared real data, whether run from test/ or dist/test/.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../src/config.js';

/** A file under test/fixtures. */
export function fixture(...parts: string[]): string {
  return path.join(projectRoot, 'test', 'fixtures', ...parts);
}

/** The shared real data folder (../shared/data beside the checkout), overridable with SHARED_DATA. */
export const sharedData = process.env.SHARED_DATA ?? path.resolve(projectRoot, '..', 'shared', 'data');

/**
 * The reason to skip a test on real data when ../shared/data is missing (a user's fresh clone), or false.
 * In CI (CI=true) its absence is an error instead, so these tests always run there.
 */
export function skipWithoutSharedData(): string | false {
  if (existsSync(path.join(sharedData, 'attack', 'enterprise-attack.json'))) return false;
  if (process.env.CI === 'true') throw new Error(`CI needs the shared data at ${sharedData}, but it is missing`);
  return `the shared real data is not at ${sharedData} (set SHARED_DATA to its folder to run these tests)`;
}
