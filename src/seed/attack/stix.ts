// Reading STIX 2.0/2.1 objects as MITRE publishes them: typed field access that names the object on bad input.
import { SourceError } from '../../errors.js';

/** A STIX object as found in a bundle: `type` and `id` are checked, every other field is read through a reader. */
export interface StixObject {
  type: string;
  id: string;
  [field: string]: unknown;
}

/** Source names under which MITRE publishes ATT&CK ids: newer bundles use `mitre-attack` for every domain. */
const ATTACK_SOURCE_NAMES = new Set(['mitre-attack', 'mitre-mobile-attack', 'mitre-ics-attack']);

/** The type part of a STIX id (`attack-pattern--…` -> `attack-pattern`), or '' when it has none. */
export function typeOfRef(ref: string): string {
  const at = ref.indexOf('--');
  return at < 0 ? '' : ref.slice(0, at);
}

/**
 * Reads the fields of one object. Absent fields (undefined or null) read as null, [] or false;
 * a field of the wrong type throws a SourceError naming the file, the object, the field and the expected type.
 */
export class StixReader {
  readonly where: string;

  constructor(
    readonly object: StixObject,
    index: number,
    readonly file: string,
  ) {
    this.where = `${object.id} (objects[${index}])`;
  }

  /** A string field, or null when absent. */
  string(field: string): string | null {
    const value = this.object[field];
    if (value === undefined || value === null) return null;
    if (typeof value !== 'string') this.fail(field, 'a string', value);
    return value as string;
  }

  /** A list of strings, or [] when absent. */
  strings(field: string, value: unknown = this.object[field]): string[] {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) this.fail(field, 'a list of strings', value);
    return value as string[];
  }

  /** A STIX boolean: absent means false. */
  flag(field: string): boolean {
    const value = this.object[field];
    if (value === undefined || value === null) return false;
    if (typeof value !== 'boolean') this.fail(field, 'true or false', value);
    return value as boolean;
  }

  /** A list of JSON objects (kill chain phases, references, log sources), or [] when absent. */
  records(field: string): Record<string, unknown>[] {
    const value = this.object[field];
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value) || value.some((v) => typeof v !== 'object' || v === null || Array.isArray(v))) {
      this.fail(field, 'a list of objects', value);
    }
    return value as Record<string, unknown>[];
  }

  /** The ATT&CK id and page of the object (`T1550.001`, `https://attack.mitre.org/...`), or nulls. */
  attackReference(): { id: string | null; url: string | null } {
    for (const ref of this.records('external_references')) {
      if (typeof ref.source_name === 'string' && ATTACK_SOURCE_NAMES.has(ref.source_name)) {
        if (typeof ref.external_id === 'string') {
          return { id: ref.external_id, url: typeof ref.url === 'string' ? ref.url : null };
        }
      }
    }
    return { id: null, url: null };
  }

  /** Throws the SourceError for `field`. */
  fail(field: string, expected: string, got: unknown): never {
    const shown = JSON.stringify(got)?.slice(0, 60) ?? String(got);
    throw new SourceError(this.file, this.where, `field "${field}" must be ${expected}, got ${shown}`);
  }
}
