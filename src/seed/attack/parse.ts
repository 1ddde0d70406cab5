// Pure parser: an ATT&CK STIX bundle (bytes) -> node and edge records for one ATT&CK domain. No database.
import { createHash } from 'node:crypto';
import { SourceError } from '../../errors.js';
import { LABEL_OF_STIX_TYPE } from '../../graph/model.js';
import { parseJsonFile } from '../json.js';
import type { EdgeRecord, NodeRecord, SourceRecords } from '../records.js';
import { decodeUtf8 } from '../text.js';
import { type BundleContext, objectRecords, relationshipEdge } from './objects.js';
import { type StixObject, StixReader, typeOfRef } from './stix.js';

/** Types carried by bundles that hold no ATT&CK knowledge of their own. */
const IGNORED_TYPES = new Set(['identity', 'marking-definition', 'x-mitre-matrix', 'x-mitre-collection']);

/** Parses one ATT&CK bundle. Throws SourceError (file, object, reason) on input that is not an ATT&CK STIX bundle. */
export function parseAttackBundle(bytes: Buffer | string, file: string): SourceRecords {
  const text = decodeUtf8(bytes, file);
  const bundle = parseJsonFile(text, file);
  const objects = checkBundle(bundle, file);
  const domain = bundleDomain(objects, file);
  const byId = new Map<string, StixObject>();
  const indexOf = new Map<string, number>();
  for (const [index, object] of objects.entries()) {
    const first = indexOf.get(object.id);
    if (first !== undefined) {
      throw new SourceError(file, `${object.id} (objects[${index}])`, `duplicate id: objects[${first}] has it too`);
    }
    indexOf.set(object.id, index);
    byId.set(object.id, object);
  }

  const tacticByShortname = new Map<string, string>();
  for (const [index, object] of objects.entries()) {
    if (object.type === 'x-mitre-tactic') {
      const shortname = new StixReader(object, index, file).string('x_mitre_shortname');
      if (shortname) tacticByShortname.set(shortname, object.id);
    }
  }
  const ctx: BundleContext = {
    file,
    domain,
    byId,
    tacticOrder: tacticOrderOf(objects, file),
    tacticByShortname,
    warnings: [],
  };
  const nodes: NodeRecord[] = [];
  const edges: EdgeRecord[] = [];
  for (const [index, object] of objects.entries()) {
    const label = LABEL_OF_STIX_TYPE[object.type];
    if (label) {
      const records = objectRecords(object, label, index, ctx);
      nodes.push(records.node);
      edges.push(...records.edges);
    } else if (object.type === 'relationship') {
      const edge = relationshipEdge(object, index, ctx);
      if (edge) edges.push(edge);
    } else if (!IGNORED_TYPES.has(object.type)) {
      ctx.warnings.push({ file, where: object.id, reason: `object type "${object.type}" is not loaded` });
    }
  }

  const ownVersion = collectionVersion(objects, file);
  const version = ownVersion ?? /v(\d+(?:\.\d+)*)/.exec(file.split('/').pop() ?? '')?.[1] ?? null;
  const modified = nodes.reduce<string | null>((max, n) => {
    const value = n.props.modified as string | null;
    return value && (!max || value > max) ? value : max;
  }, null);
  return {
    scope: `attack:${domain}`,
    nodes,
    edges,
    warnings: ctx.warnings,
    dataset: {
      source: 'attack',
      name: `attack:${domain}`,
      version,
      location: file,
      modified,
      sha256: createHash('sha256').update(text).digest('hex'),
      versionFromFileName: ownVersion === null && version !== null,
    },
  };
}

function checkBundle(bundle: unknown, file: string): StixObject[] {
  if (typeof bundle !== 'object' || bundle === null || Array.isArray(bundle)) {
    throw new SourceError(file, 'top level', 'not a STIX bundle: expected a JSON object with "type": "bundle"');
  }
  const { type, objects } = bundle as { type?: unknown; objects?: unknown };
  if (type !== 'bundle') {
    throw new SourceError(file, 'top level', `not a STIX bundle: "type" is ${JSON.stringify(type)}, expected "bundle"`);
  }
  if (!Array.isArray(objects)) {
    throw new SourceError(file, 'top level', 'not a STIX bundle: "objects" is missing or not an array');
  }
  for (const [index, object] of objects.entries()) {
    const where = `objects[${index}]`;
    if (typeof object !== 'object' || object === null) throw new SourceError(file, where, 'not a JSON object');
    const { type: objectType, id } = object as { type?: unknown; id?: unknown };
    if (typeof objectType !== 'string' || objectType === '') {
      throw new SourceError(file, where, 'missing required field "type"');
    }
    if (typeof id !== 'string' || typeOfRef(id) !== objectType) {
      throw new SourceError(file, where, `missing or malformed "id" (expected "${objectType}--<uuid>")`);
    }
  }
  return objects as StixObject[];
}

/** Readers of the bundle's matrices, current ones first. */
function matricesOf(objects: StixObject[], file: string): StixReader[] {
  return objects
    .map((object, index) => new StixReader(object, index, file))
    .filter((m) => m.object.type === 'x-mitre-matrix' && !m.flag('revoked'))
    .sort((a, b) => Number(a.flag('x_mitre_deprecated')) - Number(b.flag('x_mitre_deprecated')));
}

/** The bundle's domain (`enterprise-attack`, `mobile-attack`, `ics-attack`), from its current matrix or its objects. */
function bundleDomain(objects: StixObject[], file: string): string {
  const fromMatrix = matricesOf(objects, file)[0]?.attackReference().id;
  if (fromMatrix) return fromMatrix;
  const votes = new Map<string, number>();
  for (const [index, object] of objects.entries()) {
    for (const domain of new StixReader(object, index, file).strings('x_mitre_domains')) {
      votes.set(domain, (votes.get(domain) ?? 0) + 1);
    }
  }
  const best = [...votes].sort((a, b) => b[1] - a[1])[0];
  if (!best)
    throw new SourceError(file, 'top level', 'no ATT&CK matrix and no x_mitre_domains: cannot tell the domain');
  return best[0];
}

/** Position of each tactic in its matrix; tactics of deprecated matrices come after the current ones. */
function tacticOrderOf(objects: StixObject[], file: string): Map<string, number> {
  const order = new Map<string, number>();
  for (const matrix of matricesOf(objects, file)) {
    for (const ref of matrix.strings('tactic_refs')) if (!order.has(ref)) order.set(ref, order.size + 1);
  }
  return order;
}

/** The release of an attack-stix-data bundle (STIX 2.1), from its collection object. */
function collectionVersion(objects: StixObject[], file: string): string | null {
  const index = objects.findIndex((o) => o.type === 'x-mitre-collection');
  return index < 0 ? null : new StixReader(objects[index] as StixObject, index, file).string('x_mitre_version');
}
