// Loading the SDL contract from schema/*.graphql into an executable schema with the resolvers.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../config.js';

/** The SDL of every schema/*.graphql file, in name order (common first, then the domains). */
export function loadTypeDefs(dir = path.join(projectRoot, 'schema')): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.graphql'))
    .sort((a, b) => (a === 'common.graphql' ? -1 : b === 'common.graphql' ? 1 : a.localeCompare(b)))
    .map((name) => readFileSync(path.join(dir, name), 'utf8'));
}
