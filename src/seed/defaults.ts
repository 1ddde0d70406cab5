// The default sources of `coverage-graph seed`: seed/sources.yml, the official upstream URLs.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { projectRoot } from '../config.js';
import type { SeedRequest } from './pipeline.js';

/** Reads seed/sources.yml (or `file`) into a SeedRequest. */
export function defaultSources(file = path.join(projectRoot, 'seed', 'sources.yml')): SeedRequest {
  const doc = yaml.load(readFileSync(file, 'utf8'), { schema: yaml.JSON_SCHEMA }) as Record<string, unknown> | null;
  const list = (key: string) => (Array.isArray(doc?.[key]) ? (doc[key] as unknown[]).map(String) : []);
  const attack = list('attack');
  if (attack.length === 0) throw new Error(`${file}: expected a list of ATT&CK bundle locations under "attack"`);
  return { attack, d3fend: list('d3fend') };
}
