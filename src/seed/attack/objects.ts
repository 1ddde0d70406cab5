// One STIX object -> its node and edge records: properties per ATT&CK type, relationships and derived links.
import { SourceError } from '../../errors.js';
import { LABEL_OF_STIX_TYPE, type NodeLabel, type RelType } from '../../graph/model.js';
import type { EdgeRecord, NodeRecord, ParseWarning, PropValue } from '../records.js';
import { type StixObject, StixReader, typeOfRef } from './stix.js';

/** STIX relationship types that become edges. */
const REL_OF_TYPE: Readonly<Record<string, RelType>> = {
  uses: 'USES',
  mitigates: 'MITIGATES',
  'subtechnique-of': 'SUBTECHNIQUE_OF',
  detects: 'DETECTS',
  'revoked-by': 'REVOKED_BY',
  'attributed-to': 'ATTRIBUTED_TO',
  targets: 'TARGETS',
};

/** Labels whose objects always carry an ATT&CK external id (data components got theirs only in v18). */
const ID_REQUIRED = new Set<NodeLabel>(['Tactic', 'Technique', 'Mitigation', 'Group', 'Software', 'Campaign']);

/** What the conversion of one object needs to know about its bundle. */
export interface BundleContext {
  file: string;
  domain: string;
  byId: Map<string, StixObject>;
  tacticOrder: Map<string, number>;
  tacticByShortname: Map<string, string>;
  warnings: ParseWarning[];
}

/** The node of an ATT&CK object and the edges its own fields imply (tactics, analytics, data sources). */
export function objectRecords(
  object: StixObject,
  label: NodeLabel,
  index: number,
  ctx: BundleContext,
): { node: NodeRecord; edges: EdgeRecord[] } {
  const read = new StixReader(object, index, ctx.file);
  return { node: { label, key: object.id, props: nodeProps(read, label, ctx) }, edges: derivedEdges(read, label, ctx) };
}

function nodeProps(read: StixReader, label: NodeLabel, ctx: BundleContext): Record<string, PropValue> {
  const { object } = read;
  const reference = read.attackReference();
  if (!reference.id && ID_REQUIRED.has(label))
    throw new SourceError(ctx.file, read.where, 'missing its ATT&CK external id');
  const name = read.string('name');
  if (!name) throw new SourceError(ctx.file, read.where, 'missing required field "name"');
  const props: Record<string, PropValue> = {
    stixId: object.id,
    id: reference.id ?? object.id,
    name,
    description: read.string('description'),
    url: reference.url,
    version: read.string('x_mitre_version'),
    created: read.string('created'),
    modified: read.string('modified'),
    revoked: read.flag('revoked'),
    deprecated: read.flag('x_mitre_deprecated'),
    platforms: read.strings('x_mitre_platforms'),
  };
  switch (label) {
    case 'Tactic':
      props.shortname = read.string('x_mitre_shortname');
      props.domain = ctx.domain;
      props.order = ctx.tacticOrder.get(object.id) ?? null;
      break;
    case 'Technique':
      props.isSubtechnique = read.flag('x_mitre_is_subtechnique');
      props.tacticShortnames = phases(read).map((p) => p.phase);
      props.detection = read.string('x_mitre_detection');
      props.dataSources = read.strings('x_mitre_data_sources');
      props.permissionsRequired = read.strings('x_mitre_permissions_required');
      props.defenseBypassed = read.strings('x_mitre_defense_bypassed');
      props.contributors = read.strings('x_mitre_contributors');
      break;
    case 'Group':
    case 'Campaign':
      props.aliases = read.strings('aliases');
      props.firstSeen = read.string('first_seen');
      props.lastSeen = read.string('last_seen');
      break;
    case 'Software':
      props.kind = object.type;
      props.aliases = read.strings('x_mitre_aliases');
      break;
    case 'DataSource':
      props.collectionLayers = read.strings('x_mitre_collection_layers');
      break;
    case 'DataComponent':
      props.logSources = read.records('x_mitre_log_sources').map((s) => `${String(s.name)}: ${String(s.channel)}`);
      break;
    default:
      break;
  }
  return props;
}

/** Kill chain phases of a technique; each needs a string phase_name. */
function phases(read: StixReader): { phase: string }[] {
  return read.records('kill_chain_phases').map((p) => {
    if (typeof p.phase_name !== 'string') read.fail('kill_chain_phases', 'a list of {kill_chain_name, phase_name}', p);
    return { phase: p.phase_name as string };
  });
}

function derivedEdges(read: StixReader, label: NodeLabel, ctx: BundleContext): EdgeRecord[] {
  const { object } = read;
  const edges: EdgeRecord[] = [];
  const link = (type: RelType, toLabel: NodeLabel, to: string, props: Record<string, PropValue> = {}, extra = '') => {
    if (!ctx.byId.has(to)) {
      ctx.warnings.push({ file: ctx.file, where: object.id, reason: `dangling reference to ${to} (${type})` });
      return;
    }
    if (LABEL_OF_STIX_TYPE[typeOfRef(to)] !== toLabel) {
      ctx.warnings.push({
        file: ctx.file,
        where: object.id,
        reason: `reference to ${to} (${type}): expected ${toLabel}, found ${typeOfRef(to)}`,
      });
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
    for (const { phase } of phases(read)) {
      const tactic = ctx.tacticByShortname.get(phase);
      if (tactic) link('IN_TACTIC', 'Tactic', tactic);
      else
        ctx.warnings.push({ file: ctx.file, where: object.id, reason: `kill chain phase "${phase}" names no tactic` });
    }
  } else if (label === 'DetectionStrategy') {
    for (const ref of read.strings('x_mitre_analytic_refs')) link('HAS_ANALYTIC', 'Analytic', ref);
  } else if (label === 'DataComponent') {
    const source = read.string('x_mitre_data_source_ref');
    if (source) link('PART_OF', 'DataSource', source);
  } else if (label === 'Analytic') {
    for (const ref of read.records('x_mitre_log_source_references')) {
      const component = typeof ref.x_mitre_data_component_ref === 'string' ? ref.x_mitre_data_component_ref : null;
      if (!component) continue;
      const name = typeof ref.name === 'string' ? ref.name : null;
      const channel = typeof ref.channel === 'string' ? ref.channel : null;
      link('LOG_SOURCE', 'DataComponent', component, { name, channel }, `#${name}#${channel}`);
    }
  }
  return edges;
}

/** The edge of a STIX relationship, or null (with a warning) when its type is not loaded or an end is missing. */
export function relationshipEdge(object: StixObject, index: number, ctx: BundleContext): EdgeRecord | null {
  const read = new StixReader(object, index, ctx.file);
  const relType = read.string('relationship_type');
  const from = read.string('source_ref');
  const to = read.string('target_ref');
  if (!relType) throw new SourceError(ctx.file, read.where, 'missing required field "relationship_type"');
  if (!from) throw new SourceError(ctx.file, read.where, 'missing required field "source_ref"');
  if (!to) throw new SourceError(ctx.file, read.where, 'missing required field "target_ref"');
  const type = REL_OF_TYPE[relType];
  const fromLabel = LABEL_OF_STIX_TYPE[typeOfRef(from)];
  const toLabel = LABEL_OF_STIX_TYPE[typeOfRef(to)];
  const warn = (reason: string) => ctx.warnings.push({ file: ctx.file, where: object.id, reason });
  if (!type || !fromLabel || !toLabel) {
    warn(`relationship "${relType}" from ${from} to ${to} is not loaded`);
    return null;
  }
  for (const ref of [from, to]) {
    if (!ctx.byId.has(ref)) {
      warn(`dangling reference to ${ref} (${relType})`);
      return null;
    }
  }
  return {
    type,
    from: { label: fromLabel, key: from },
    to: { label: toLabel, key: to },
    // The ends are part of the key: a relationship whose ends change in a newer bundle is a new edge.
    key: `${type}:${object.id}:${from}->${to}`,
    props: {
      stixId: object.id,
      description: read.string('description'),
      modified: read.string('modified'),
      revoked: read.flag('revoked'),
      deprecated: read.flag('x_mitre_deprecated'),
    },
  };
}
