// Expected values computed straight from ATT&CK bundle JSON with plain scans, independently of the parser.
import { readFileSync } from 'node:fs';

export interface StixLike {
  type: string;
  id: string;
  name?: string;
  revoked?: boolean;
  x_mitre_deprecated?: boolean;
  x_mitre_is_subtechnique?: boolean;
  x_mitre_shortname?: string;
  relationship_type?: string;
  source_ref?: string;
  target_ref?: string;
  kill_chain_phases?: { phase_name: string }[];
  external_references?: { source_name: string; external_id?: string }[];
  tactic_refs?: string[];
  [key: string]: unknown;
}

/** The objects of several bundles, each STIX id once (the same object may sit in several bundles). */
export function loadObjects(files: string[]): StixLike[] {
  const byId = new Map<string, StixLike>();
  for (const file of files) {
    for (const object of (JSON.parse(readFileSync(file, 'utf8')) as { objects: StixLike[] }).objects) {
      byId.set(object.id, object);
    }
  }
  return [...byId.values()];
}

export function countType(objects: StixLike[], ...types: string[]): number {
  return objects.filter((o) => types.includes(o.type)).length;
}

/** Relationships of a type whose two ends are objects of the bundles (dangling ones are not loaded). */
export function countRelationships(objects: StixLike[], relationshipType: string): number {
  const ids = new Set(objects.map((o) => o.id));
  return objects.filter(
    (o) =>
      o.type === 'relationship' &&
      o.relationship_type === relationshipType &&
      ids.has(o.source_ref as string) &&
      ids.has(o.target_ref as string),
  ).length;
}

export function externalId(object: StixLike): string | undefined {
  return object.external_references?.find((r) => r.source_name.startsWith('mitre'))?.external_id;
}
