// Reading STIX 2.0/2.1 objects as MITRE publishes them: types, external ids, and the ATT&CK source names.

/** The subset of a STIX object that the ATT&CK parser reads; every other field is ignored. */
export interface StixObject {
  type: string;
  id: string;
  name?: string;
  description?: string;
  created?: string;
  modified?: string;
  revoked?: boolean;
  x_mitre_deprecated?: boolean;
  external_references?: { source_name?: string; external_id?: string; url?: string }[];
  [field: string]: unknown;
}

/** Source names under which MITRE publishes ATT&CK ids: newer bundles use `mitre-attack` for every domain. */
const ATTACK_SOURCE_NAMES = new Set(['mitre-attack', 'mitre-mobile-attack', 'mitre-ics-attack']);

/** The ATT&CK id and page of an object (`T1550.001`, `https://attack.mitre.org/...`), or nulls. */
export function attackReference(object: StixObject): { id: string | null; url: string | null } {
  for (const ref of object.external_references ?? []) {
    if (ref.source_name && ATTACK_SOURCE_NAMES.has(ref.source_name) && typeof ref.external_id === 'string') {
      return { id: ref.external_id, url: typeof ref.url === 'string' ? ref.url : null };
    }
  }
  return { id: null, url: null };
}

/** The STIX type part of an id (`attack-pattern--…` -> `attack-pattern`). */
export function typeOfRef(ref: string): string {
  const at = ref.indexOf('--');
  return at < 0 ? '' : ref.slice(0, at);
}

export function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

export function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** STIX booleans are optional; absent means false. */
export function flag(value: unknown): boolean {
  return value === true;
}
