// Building blocks of the resolvers: relationship fields through loaders, domain enum mapping, id checks.
import { GraphQLError, type GraphQLResolveInfo, Kind } from 'graphql';
import { BadUserInputError } from '../../errors.js';
import { LABEL_OF_STIX_TYPE, NODE_KEYS } from '../../graph/model.js';
import type { GraphNode, Related, RelationName } from '../../graph/read.js';
import { RELATIONS } from '../../graph/relations.js';
import { type Connection, connectionFromList, type PageArgs, pageWindow } from '../connection.js';
import type { Context } from '../context.js';
import type { AttackDomain } from '../generated/graphql.js';

const DOMAIN_VALUES: Record<AttackDomain, string> = {
  ENTERPRISE: 'enterprise-attack',
  MOBILE: 'mobile-attack',
  ICS: 'ics-attack',
};
const DOMAIN_ENUMS = new Map(Object.entries(DOMAIN_VALUES).map(([key, value]) => [value, key as AttackDomain]));

/** The graph's domain name for a GraphQL AttackDomain (`ENTERPRISE` -> `enterprise-attack`). */
export function domainValue(domain: AttackDomain): string;
export function domainValue(domain: AttackDomain | null | undefined): string | null;
export function domainValue(domain: AttackDomain | null | undefined): string | null {
  return domain ? DOMAIN_VALUES[domain] : null;
}

/** A stored list property as strings (empty when the node has none). */
export const strings = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);

/** Refuses a mutation unless the request may write: API keys are configured (and the request carried one). */
export function requireWritable(ctx: Context, mutation: string): void {
  if (ctx.writable) return;
  throw new GraphQLError(
    `${mutation} needs API keys: configure API_KEYS on the server and send one (Authorization: Bearer <key>)`,
    { extensions: { code: 'FORBIDDEN' } },
  );
}

/** Whether the selection of the field being resolved asks only for `fields` (no fragments: those could ask more). */
export function onlyFields(info: GraphQLResolveInfo, fields: readonly string[]): boolean {
  return info.fieldNodes.every(
    (node) =>
      node.selectionSet?.selections.every(
        (selection) => selection.kind === Kind.FIELD && fields.includes(selection.name.value),
      ) ?? false,
  );
}

/** GraphQL AttackDomain values for the graph's domain names; unknown domains are left out. */
export function domainEnums(domains: unknown): AttackDomain[] {
  if (!Array.isArray(domains)) return [];
  return domains.map((d) => DOMAIN_ENUMS.get(String(d))).filter((d): d is AttackDomain => d !== undefined);
}

/** Hides revoked or deprecated nodes, and nodes reached through a revoked or deprecated relationship. */
const visible = (includeRevoked: boolean | null | undefined) => (item: Related) =>
  includeRevoked === true ||
  (item.node.revoked !== true &&
    item.node.deprecated !== true &&
    item.edge?.revoked !== true &&
    item.edge?.deprecated !== true);

/** Each related node once, in first-seen order, after hidden ones were filtered out. */
function distinct(items: Related[]): Related[] {
  const seen = new Set<string>();
  return items.filter((item) => !seen.has(item.eid) && seen.add(item.eid));
}

/**
 * The related items of `parent` through relation `name`, by the key property of the relation's parent label. With
 * the resolver's `info`, they carry only the properties that field's selection needs.
 */
export function loadRelated(
  name: RelationName,
  parent: Record<string, unknown>,
  ctx: Context,
  info?: Pick<GraphQLResolveInfo, 'parentType' | 'fieldName'>,
): Promise<Related[]> {
  const field = info ? `${info.parentType.name}.${info.fieldName}` : undefined;
  return ctx.loaders.related(name, field).load(String(parent[NODE_KEYS[RELATIONS[name].from]]));
}

interface RevokedArg {
  includeRevoked?: boolean | null;
}

/** A list field: the related nodes, without revoked or deprecated ones unless asked. */
export const relatedList =
  (name: RelationName) =>
  async (
    parent: Record<string, unknown>,
    args: RevokedArg,
    ctx: Context,
    info?: GraphQLResolveInfo,
  ): Promise<GraphNode[]> =>
    distinct((await loadRelated(name, parent, ctx, info)).filter(visible(args.includeRevoked))).map((i) => i.node);

/** A single-valued field (parent, revokedBy, data source): the first related node or null. */
export const relatedOne =
  (name: RelationName) =>
  async (
    parent: Record<string, unknown>,
    _args: unknown,
    ctx: Context,
    info?: GraphQLResolveInfo,
  ): Promise<GraphNode | null> =>
    (await loadRelated(name, parent, ctx, info))[0]?.node ?? null;

/** A connection field: the related nodes paged by first/after, each edge with its relationship's description. */
export const relatedConnection =
  (name: RelationName) =>
  async (
    parent: Record<string, unknown>,
    args: RevokedArg & PageArgs,
    ctx: Context,
    info?: GraphQLResolveInfo,
  ): Promise<Connection<GraphNode>> => {
    pageWindow(args); // reject bad paging arguments before touching the graph
    const items = distinct((await loadRelated(name, parent, ctx, info)).filter(visible(args.includeRevoked)));
    return connectionFromList(
      items.map((i) => ({ node: i.node, description: (i.edge?.description as string | null) ?? null })),
      args,
    );
  };

const ID_PATTERNS = {
  Technique: { pattern: /^T\d{4}(\.\d{3})?$/i, example: 'T1550 or T1550.001', stix: 'attack-pattern' },
  Tactic: {
    pattern: /^TA\d{4}$/i,
    example: 'TA0005 (or an Enterprise short name such as defense-evasion)',
    stix: 'x-mitre-tactic',
  },
  Mitigation: { pattern: /^(M\d{4}|T\d{4})$/i, example: 'M1026', stix: 'course-of-action' },
  Group: { pattern: /^G\d{4}$/i, example: 'G0016', stix: 'intrusion-set' },
  Software: { pattern: /^S\d{4}$/i, example: 'S0002', stix: 'malware or tool' },
  Campaign: { pattern: /^C\d{4}$/i, example: 'C0001', stix: 'campaign' },
  DataSource: { pattern: /^DS\d{4}$/i, example: 'DS0009', stix: 'x-mitre-data-source' },
  DataComponent: { pattern: /^DC\d{4}$/i, example: 'DC0001', stix: 'x-mitre-data-component' },
  DetectionStrategy: { pattern: /^DET\d{4}$/i, example: 'DET0001', stix: 'x-mitre-detection-strategy' },
} as const;

const STIX_ID = /^[a-z][a-z0-9-]*--[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Checks an id argument and normalises its case (`t1550.001` -> `T1550.001`).
 * BAD_USER_INPUT, saying what is allowed, when it is neither an ATT&CK id of that kind nor a STIX id.
 */
export function checkId(kind: keyof typeof ID_PATTERNS, id: string): string {
  const { pattern, example, stix } = ID_PATTERNS[kind];
  if (pattern.test(id)) return id.toUpperCase();
  if (STIX_ID.test(id)) return id;
  throw new BadUserInputError(
    `"id" must be an ATT&CK ${kind} id such as ${example}, or a STIX id (${stix}--<uuid>); got ${JSON.stringify(id.slice(0, 100))}`,
    'id',
  );
}

/** The GraphQL type of an ATT&CK node, from the type part of its STIX id. */
export function typenameOf(node: GraphNode): string | null {
  return LABEL_OF_STIX_TYPE[node.stixId.slice(0, node.stixId.indexOf('--'))] ?? null;
}
