// Pure parser: an ATT&CK STIX bundle (bytes) -> node and edge records for one ATT&CK domain. No database.
import { createHash } from 'node:crypto';
import { SourceError } from '../../errors.js';
import type { NodeLabel, RelType } from '../../graph/model.js';
import { parseJsonFile } from '../json.js';
import type { EdgeRecord, NodeRecord, ParseWarning, PropValue, SourceRecords } from '../records.js';
import { attackReference, flag, type StixObject, stringList, stringOrNull, typeOfRef } from './stix.js';

/** STIX object types that become nodes, and their label. */
const LABEL_OF_TYPE: Record<string, NodeLabel> = {
  'x-mitre-tactic': 'Tactic',
  'attack-pattern': 'Technique',
  'course-of-action': 'Mitigation',
  'intrusion-set': 'Group',
  malware: 'Software',
  tool: 'Software',
  campaign: 'Campaign',
  'x-mitre-data-source': 'DataSource',
  'x-mitre-data-component': 'DataComponent',
  'x-mitre-detection-strategy': 'DetectionStrategy',
  'x-mitre-analytic': 'Analytic',
  'x-mitre-asset': 'Asset',
};

/** STIX relationship types that become edges. */
const REL_OF_TYPE: Record<string, RelType> = {
  uses: 'USES',
  mitigates: 'MITIGATES',
  'subtechnique-of': 'SUBTECHNIQUE_OF',
  detects: 'DETECTS',
  'revoked-by': 'REVOKED_BY',
  'attributed-to': 'ATTRIBUTED_TO',
  targets: 'TARGETS',
};

/** Labels whose objects always carry an ATT&CK external id. */
const ID_REQUIRED = new Set<NodeLabel>(['Tactic', 'Technique', 'Mitigation', 'Group', 'Software', 'Campaign']);

/** Types carried by bundles that hold no ATT&CK knowledge of their own. */
const IGNORED_TYPES = new Set(['identity', 'marking-definition', 'x-mitre-matrix', 'x-mitre-collection']);

/** Parses one ATT&CK bundle. Throws SourceError (file, object, reason) on input that is not an ATT&CK STIX bundle. */
export function parseAttackBundle(bytes: Buffer | string, file: string): SourceRecords {
  const text = typeof bytes === 'string' ? bytes : bytes.toString('utf8');
  const bundle = parseJsonFile(text, file);
  const objects = checkBundle(bundle, file);
  const domain = bundleDomain(objects, file);
  const byId = new Map<string, StixObject>();
  for (const object of objects) byId.set(object.id, object);

  const warnings: ParseWarning[] = [];
  const nodes: NodeRecord[] = [];
  const edges: EdgeRecord[] = [];
  const tacticOrder = tacticOrderOf(objects);
  const tacticByShortname = new Map<string, string>();
  for (const object of objects) {
    if (object.type === 'x-mitre-tactic' && typeof object.x_mitre_shortname === 'string') {
      tacticByShortname.set(object.x_mitre_shortname, object.id);
    }
  }

  for (const [index, object] of objects.entries()) {
    const label = LABEL_OF_TYPE[object.type];
    if (label) {
      nodes.push({ label, key: object.id, props: nodeProps(object, label, index, file, domain, tacticOrder) });
      edges.push(...derivedEdges(object, label, byId, tacticByShortname, file, warnings));
    } else if (object.type === 'relationship') {
      const edge = relationshipEdge(object, index, file, byId, warnings);
      if (edge) edges.push(edge);
    } else if (!IGNORED_TYPES.has(object.type)) {
      warnings.push({ file, where: object.id, reason: `object type "${object.type}" is not loaded` });
    }
  }

  const version = collectionVersion(objects) ?? /v(\d+(?:\.\d+)*)/.exec(file.split('/').pop() ?? '')?.[1] ?? null;
  const modified = objects.reduce<string | null>(
    (max, o) => (o.modified && (!max || o.modified > max) ? o.modified : max),
    null,
  );
  return {
    scope: `attack:${domain}`,
    nodes,
    edges,
    warnings,
    dataset: {
      source: 'attack',
      name: `attack:${domain}`,
      version,
      location: file,
      modified,
      sha256: createHash('sha256').update(text).digest('hex'),
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

/** The bundle's domain (`enterprise-attack`, `mobile-attack`, `ics-attack`), from its current matrix or its objects. */
function bundleDomain(objects: StixObject[], file: string): string {
  const matrices = objects.filter((o) => o.type === 'x-mitre-matrix' && !o.revoked);
  const current = matrices.find((m) => !m.x_mitre_deprecated) ?? matrices[0];
  const fromMatrix = current ? attackReference(current).id : null;
  if (fromMatrix) return fromMatrix;
  const votes = new Map<string, number>();
  for (const object of objects) {
    for (const domain of stringList(object.x_mitre_domains)) votes.set(domain, (votes.get(domain) ?? 0) + 1);
  }
  const best = [...votes].sort((a, b) => b[1] - a[1])[0];
  if (!best)
    throw new SourceError(file, 'top level', 'no ATT&CK matrix and no x_mitre_domains: cannot tell the domain');
  return best[0];
}

/** Position of each tactic in its matrix; tactics of deprecated matrices come after the current ones. */
function tacticOrderOf(objects: StixObject[]): Map<string, number> {
  const matrices = objects
    .filter((o) => o.type === 'x-mitre-matrix' && !o.revoked)
    .sort((a, b) => Number(flag(a.x_mitre_deprecated)) - Number(flag(b.x_mitre_deprecated)));
  const order = new Map<string, number>();
  for (const matrix of matrices) {
    for (const ref of stringList(matrix.tactic_refs)) if (!order.has(ref)) order.set(ref, order.size + 1);
  }
  return order;
}

function collectionVersion(objects: StixObject[]): string | null {
  const collection = objects.find((o) => o.type === 'x-mitre-collection');
  return collection ? stringOrNull(collection.x_mitre_version) : null;
}

function nodeProps(
  object: StixObject,
  label: NodeLabel,
  index: number,
  file: string,
  domain: string,
  tacticOrder: Map<string, number>,
): Record<string, PropValue> {
  const reference = attackReference(object);
  // ATT&CK gives ids to every object but data components before v18; those fall back to their STIX id.
  if (!reference.id && ID_REQUIRED.has(label)) {
    throw new SourceError(file, `${object.id} (objects[${index}])`, 'missing its ATT&CK external id');
  }
  const id = reference.id ?? object.id;
  const url = reference.url;
  if (typeof object.name !== 'string' || object.name === '') {
    throw new SourceError(file, `${object.id} (objects[${index}])`, 'missing required field "name"');
  }
  const props: Record<string, PropValue> = {
    stixId: object.id,
    id,
    name: object.name,
    description: stringOrNull(object.description),
    url,
    version: stringOrNull(object.x_mitre_version),
    created: stringOrNull(object.created),
    modified: stringOrNull(object.modified),
    revoked: flag(object.revoked),
    deprecated: flag(object.x_mitre_deprecated),
    platforms: stringList(object.x_mitre_platforms),
  };
  switch (label) {
    case 'Tactic':
      props.shortname = stringOrNull(object.x_mitre_shortname);
      props.domain = domain;
      props.order = tacticOrder.get(object.id) ?? null;
      break;
    case 'Technique':
      props.isSubtechnique = flag(object.x_mitre_is_subtechnique);
      props.tacticShortnames = ((object.kill_chain_phases ?? []) as { phase_name?: unknown }[])
        .map((p) => p.phase_name)
        .filter((n): n is string => typeof n === 'string');
      props.detection = stringOrNull(object.x_mitre_detection);
      props.dataSources = stringList(object.x_mitre_data_sources);
      props.permissionsRequired = stringList(object.x_mitre_permissions_required);
      props.defenseBypassed = stringList(object.x_mitre_defense_bypassed);
      props.contributors = stringList(object.x_mitre_contributors);
      break;
    case 'Group':
    case 'Campaign':
      props.aliases = stringList(object.aliases);
      props.firstSeen = stringOrNull(object.first_seen);
      props.lastSeen = stringOrNull(object.last_seen);
      break;
    case 'Software':
      props.kind = object.type;
      props.aliases = stringList(object.x_mitre_aliases);
      break;
    case 'DataSource':
      props.collectionLayers = stringList(object.x_mitre_collection_layers);
      break;
    case 'DataComponent':
      props.logSources = ((object.x_mitre_log_sources ?? []) as { name?: unknown; channel?: unknown }[]).map(
        (s) => `${String(s.name)}: ${String(s.channel)}`,
      );
      break;
    default:
      break;
  }
  return props;
}

function derivedEdges(
  object: StixObject,
  label: NodeLabel,
  byId: Map<string, StixObject>,
  tacticByShortname: Map<string, string>,
  file: string,
  warnings: ParseWarning[],
): EdgeRecord[] {
  const edges: EdgeRecord[] = [];
  const link = (type: RelType, toLabel: NodeLabel, to: string, props: Record<string, PropValue> = {}, extra = '') => {
    if (!byId.has(to)) {
      warnings.push({ file, where: object.id, reason: `dangling reference to ${to} (${type})` });
      return;
    }
    edges.push({
      type,
      from: { label, key: object.id },
      to: { label: toLabel, key: to },
      key: `${type}:${object.id}->${to}${extra}`,
      props,
    });
  };
  if (label === 'Technique') {
    for (const phase of (object.kill_chain_phases ?? []) as { phase_name?: string }[]) {
      const tactic = phase.phase_name ? tacticByShortname.get(phase.phase_name) : undefined;
      if (tactic) link('IN_TACTIC', 'Tactic', tactic);
      else warnings.push({ file, where: object.id, reason: `kill chain phase "${phase.phase_name}" names no tactic` });
    }
  } else if (label === 'DetectionStrategy') {
    for (const ref of stringList(object.x_mitre_analytic_refs)) link('HAS_ANALYTIC', 'Analytic', ref);
  } else if (label === 'DataComponent') {
    const source = stringOrNull(object.x_mitre_data_source_ref);
    if (source) link('PART_OF', 'DataSource', source);
  } else if (label === 'Analytic') {
    const refs = (object.x_mitre_log_source_references ?? []) as Record<string, unknown>[];
    for (const ref of refs) {
      const component = stringOrNull(ref.x_mitre_data_component_ref);
      if (!component) continue;
      const name = stringOrNull(ref.name);
      const channel = stringOrNull(ref.channel);
      link('LOG_SOURCE', 'DataComponent', component, { name, channel }, `#${name}#${channel}`);
    }
  }
  return edges;
}

function relationshipEdge(
  object: StixObject,
  index: number,
  file: string,
  byId: Map<string, StixObject>,
  warnings: ParseWarning[],
): EdgeRecord | null {
  const { relationship_type: relType, source_ref: from, target_ref: to } = object;
  const where = `${object.id} (objects[${index}])`;
  if (typeof relType !== 'string') throw new SourceError(file, where, 'missing required field "relationship_type"');
  if (typeof from !== 'string') throw new SourceError(file, where, 'missing required field "source_ref"');
  if (typeof to !== 'string') throw new SourceError(file, where, 'missing required field "target_ref"');
  const type = REL_OF_TYPE[relType];
  const fromLabel = LABEL_OF_TYPE[typeOfRef(from)];
  const toLabel = LABEL_OF_TYPE[typeOfRef(to)];
  if (!type || !fromLabel || !toLabel) {
    warnings.push({ file, where: object.id, reason: `relationship "${relType}" from ${from} to ${to} is not loaded` });
    return null;
  }
  for (const ref of [from, to]) {
    if (!byId.has(ref)) {
      warnings.push({ file, where: object.id, reason: `dangling reference to ${ref} (${relType})` });
      return null;
    }
  }
  return {
    type,
    from: { label: fromLabel, key: from },
    to: { label: toLabel, key: to },
    key: `${object.id}:${from}->${to}`,
    props: {
      stixId: object.id,
      description: stringOrNull(object.description),
      modified: stringOrNull(object.modified),
      revoked: flag(object.revoked),
      deprecated: flag(object.x_mitre_deprecated),
    },
  };
}
