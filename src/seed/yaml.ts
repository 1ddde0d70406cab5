// Safe YAML loading for rule files: core schema (no JS types, dates stay text), size, depth and alias limits.
import yaml from 'js-yaml';
import { SourceError } from '../errors.js';
import type { SourceFile } from './folder.js';

/** Largest rule file accepted, in bytes (the largest SigmaHQ rule is under 40 KB). */
export const MAX_YAML_BYTES = 1024 * 1024;
/** Most aliases (`*name`) a file may use: enough for any real rule. */
export const MAX_YAML_ALIASES = 64;
/** Most values (scalars, lists, mappings) a file may expand to once aliases are resolved: stops alias bombs. */
export const MAX_YAML_VALUES = 100_000;

/** Every document of a rule file (see loadYamlDocuments); SourceError first if its bytes are not UTF-8. */
export function loadYamlFile(file: SourceFile): unknown[] {
  if (file.notUtf8) throw new SourceError(file.path, file.notUtf8.position, file.notUtf8.reason);
  return loadYamlDocuments(file.text, file.path);
}

/**
 * Every document of a YAML text, loaded with the core schema. Throws SourceError (file, line, reason) for text that
 * is not YAML, too large, too deeply nested (js-yaml's limit of 100) or alias-heavy.
 */
export function loadYamlDocuments(text: string, file: string): unknown[] {
  if (Buffer.byteLength(text) > MAX_YAML_BYTES) {
    throw new SourceError(file, 'whole file', `too large: ${Buffer.byteLength(text)} bytes, at most ${MAX_YAML_BYTES}`);
  }
  const aliases = text.match(/(^|[\s[,{:-])\*[^\s,[\]{}]+/gm)?.length ?? 0;
  if (aliases > MAX_YAML_ALIASES) {
    throw new SourceError(file, 'whole file', `${aliases} YAML aliases, at most ${MAX_YAML_ALIASES} (an alias bomb?)`);
  }
  let documents: unknown[];
  try {
    documents = yaml.loadAll(text, null, { schema: yaml.CORE_SCHEMA, filename: file }).filter((d) => d !== null);
  } catch (error) {
    const mark = (error as { mark?: { line?: number; column?: number } }).mark;
    const reason = (error as { reason?: string }).reason ?? (error as Error).message.split('\n')[0];
    const where = mark?.line !== undefined ? `line ${mark.line + 1}, column ${(mark.column ?? 0) + 1}` : 'whole file';
    throw new SourceError(file, where, `not valid YAML: ${reason}`);
  }
  // Aliases share values, so a few of them can stand for millions: count what reading the documents would visit.
  let budget = MAX_YAML_VALUES;
  const stack: unknown[] = [...documents];
  while (stack.length > 0) {
    const value = stack.pop();
    if (--budget < 0) {
      throw new SourceError(file, 'whole file', `expands to more than ${MAX_YAML_VALUES} values (an alias bomb?)`);
    }
    if (Array.isArray(value)) stack.push(...value);
    else if (value && typeof value === 'object') stack.push(...Object.values(value));
  }
  return documents;
}

/** The 1-based line of the first line of `text` that starts with `key:` (for messages about a field), or null. */
export function lineOfKey(text: string, key: string): number | null {
  const at = text.search(new RegExp(`^${key}:`, 'm'));
  return at < 0 ? null : text.slice(0, at).split('\n').length;
}
