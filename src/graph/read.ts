// Read queries of the API: batched lookups by id, batched relationship traversals, and filtered pages.
import type { Graph, Row } from './driver.js';
import type { NodeLabel } from './model.js';

/** A node as the API sees it: its properties, plain JS values. */
export type GraphNode = Record<string, unknown> & { stixId: string; id: string; name: string };

/** A related node and the properties of the relationship that links it (e.g. a procedure description). */
export interface Related {
  node: GraphNode;
  edge: Record<string, unknown> | null;
}

/** Cypher condition: none of the named intermediate nodes of a path is revoked or deprecated. */
const CURRENT = (...names: string[]) =>
  names.map((n) => `NOT coalesce(${n}.revoked, false) AND NOT coalesce(${n}.deprecated, false)`).join(' AND ');

/**
 * Every traversal the API offers: from a parent label, a pattern that binds `p` (the parent), `c` (the related
 * node) and `r` (the relationship whose properties are returned), and the order of the results.
 */
export const RELATIONS = {
  techniqueTactics: { from: 'Technique', pattern: '(p)-[r:IN_TACTIC]->(c:Tactic)', order: 'c.order, c.id' },
  techniqueParent: { from: 'Technique', pattern: '(p)-[r:SUBTECHNIQUE_OF]->(c:Technique)' },
  techniqueSubtechniques: { from: 'Technique', pattern: '(c:Technique)-[r:SUBTECHNIQUE_OF]->(p)' },
  techniqueMitigations: { from: 'Technique', pattern: '(c:Mitigation)-[r:MITIGATES]->(p)' },
  techniqueGroups: { from: 'Technique', pattern: '(c:Group)-[r:USES]->(p)' },
  techniqueSoftware: { from: 'Technique', pattern: '(c:Software)-[r:USES]->(p)' },
  techniqueCampaigns: { from: 'Technique', pattern: '(c:Campaign)-[r:USES]->(p)' },
  techniqueDetectionStrategies: { from: 'Technique', pattern: '(c:DetectionStrategy)-[r:DETECTS]->(p)' },
  techniqueDataComponents: {
    from: 'Technique',
    pattern: '(c:DataComponent)-[r:DETECTS]->(p)',
    // ATT&CK v18: technique <- detection strategy -> analytic -> log source in a data component.
    alternative: `(p)<-[:DETECTS]-(ds:DetectionStrategy)-[:HAS_ANALYTIC]->(an:Analytic)-[r:LOG_SOURCE]->(c:DataComponent)
      WHERE ${CURRENT('ds', 'an')}`,
  },
  techniqueRevokedBy: { from: 'Technique', pattern: '(p)-[r:REVOKED_BY]->(c:Technique)' },
  tacticTechniques: { from: 'Tactic', pattern: '(c:Technique)-[r:IN_TACTIC]->(p)' },
  mitigationTechniques: { from: 'Mitigation', pattern: '(p)-[r:MITIGATES]->(c:Technique)' },
  groupTechniques: { from: 'Group', pattern: '(p)-[r:USES]->(c:Technique)' },
  groupSoftware: { from: 'Group', pattern: '(p)-[r:USES]->(c:Software)' },
  groupCampaigns: { from: 'Group', pattern: '(c:Campaign)-[r:ATTRIBUTED_TO]->(p)' },
  groupRevokedBy: { from: 'Group', pattern: '(p)-[r:REVOKED_BY]->(c:Group)' },
  softwareTechniques: { from: 'Software', pattern: '(p)-[r:USES]->(c:Technique)' },
  softwareGroups: { from: 'Software', pattern: '(c:Group)-[r:USES]->(p)' },
  softwareCampaigns: { from: 'Software', pattern: '(c:Campaign)-[r:USES]->(p)' },
  softwareRevokedBy: { from: 'Software', pattern: '(p)-[r:REVOKED_BY]->(c:Software)' },
  campaignTechniques: { from: 'Campaign', pattern: '(p)-[r:USES]->(c:Technique)' },
  campaignSoftware: { from: 'Campaign', pattern: '(p)-[r:USES]->(c:Software)' },
  campaignGroups: { from: 'Campaign', pattern: '(p)-[r:ATTRIBUTED_TO]->(c:Group)' },
  dataSourceComponents: { from: 'DataSource', pattern: '(c:DataComponent)-[r:PART_OF]->(p)' },
  dataComponentSource: { from: 'DataComponent', pattern: '(p)-[r:PART_OF]->(c:DataSource)' },
  dataComponentTechniques: {
    from: 'DataComponent',
    pattern: '(p)-[r:DETECTS]->(c:Technique)',
    alternative: `(p)<-[:LOG_SOURCE]-(an:Analytic)<-[:HAS_ANALYTIC]-(ds:DetectionStrategy)-[r:DETECTS]->(c:Technique)
      WHERE ${CURRENT('ds', 'an')}`,
  },
  dataComponentAnalytics: { from: 'DataComponent', pattern: '(c:Analytic)-[r:LOG_SOURCE]->(p)' },
  detectionStrategyTechniques: { from: 'DetectionStrategy', pattern: '(p)-[r:DETECTS]->(c:Technique)' },
  detectionStrategyAnalytics: { from: 'DetectionStrategy', pattern: '(p)-[r:HAS_ANALYTIC]->(c:Analytic)' },
  analyticLogSources: {
    from: 'Analytic',
    pattern: '(p)-[r:LOG_SOURCE]->(c:DataComponent)',
    order: 'r.name, r.channel, c.id',
  },
} as const satisfies Record<string, { from: NodeLabel; pattern: string; order?: string; alternative?: string }>;

export type RelationName = keyof typeof RELATIONS;

/**
 * For each parent STIX id, its related nodes with the relationship that links each, in one query for the whole
 * batch. Results follow `keys`. A node reached through several relationships appears once per relationship.
 */
export async function readRelated(graph: Graph, name: RelationName, keys: readonly string[]): Promise<Related[][]> {
  const relation: { from: NodeLabel; pattern: string; order?: string; alternative?: string } = RELATIONS[name];
  const match = (pattern: string) => `MATCH ${pattern} RETURN c, r`;
  const body = relation.alternative
    ? `CALL (p) { ${match(relation.pattern)} UNION ${match(relation.alternative)} }`
    : `CALL (p) { ${match(relation.pattern)} }`;
  const rows = await graph.read(
    `UNWIND $keys AS key
     MATCH (p:${relation.from} {stixId: key})
     ${body}
     WITH key, c, r ORDER BY ${relation.order ?? 'c.id'}
     RETURN key, collect({node: properties(c), edge: properties(r)}) AS related`,
    { keys },
  );
  const byKey = new Map<string, Related[]>();
  for (const row of rows) byKey.set(row.key as string, row.related as Related[]);
  return keys.map((key) => byKey.get(key) ?? []);
}

/**
 * Nodes of `label` by ATT&CK id or STIX id, in one query; results follow `keys`, null where unknown.
 * When several objects share an ATT&CK id (a reused software id), the current one wins over revoked or deprecated ones.
 */
export async function readNodes(
  graph: Graph,
  label: NodeLabel,
  keys: readonly string[],
): Promise<(GraphNode | null)[]> {
  const rows = await graph.read(
    `UNWIND $keys AS key
     MATCH (n:${label}) WHERE n.id = key OR n.stixId = key
     WITH key, n ORDER BY n.revoked, n.deprecated, n.modified DESC
     RETURN key, head(collect(properties(n))) AS node`,
    { keys },
  );
  const byKey = new Map(rows.map((row: Row) => [row.key as string, row.node as GraphNode]));
  return keys.map((key) => byKey.get(key) ?? null);
}

/** Filters shared by the list queries; null fields do not filter. */
export interface ListFilter {
  domain: string | null;
  text: string | null;
  includeRevoked: boolean;
  includeDeprecated: boolean;
  /** Techniques only. */
  tactic?: string | null;
  platform?: string | null;
  includeSubtechniques?: boolean;
  /** Software only: `malware` or `tool`. */
  kind?: string | null;
}

/** One page of nodes of `label` matching `filter`, in id order, with the total number of matches. */
export async function readPage(
  graph: Graph,
  label: NodeLabel,
  filter: ListFilter,
  skip: number,
  limit: number,
): Promise<{ total: number; nodes: GraphNode[] }> {
  const [row] = await graph.read(
    `MATCH (n:${label})
     WHERE ($domain IS NULL OR $domain IN n.domains)
       AND ($includeRevoked OR NOT n.revoked)
       AND ($includeDeprecated OR NOT n.deprecated)
       AND ($text IS NULL OR toLower(n.id) CONTAINS $text OR toLower(n.name) CONTAINS $text
            OR any(a IN coalesce(n.aliases, []) WHERE toLower(a) CONTAINS $text)
            OR toLower(coalesce(n.description, '')) CONTAINS $text)
       AND ($platform IS NULL OR any(x IN coalesce(n.platforms, []) WHERE toLower(x) = $platform))
       AND ($includeSubtechniques OR NOT coalesce(n.isSubtechnique, false))
       AND ($kind IS NULL OR n.kind = $kind)
       AND ($tactic IS NULL OR EXISTS {
             MATCH (n)-[:IN_TACTIC]->(t:Tactic) WHERE t.id = $tactic OR t.shortname = $tactic })
     WITH n ORDER BY n.id, n.stixId
     WITH collect(n) AS matches
     RETURN size(matches) AS total, [x IN matches[$skip..($skip + $limit)] | properties(x)] AS nodes`,
    {
      domain: filter.domain,
      text: filter.text === null ? null : filter.text.toLowerCase(),
      includeRevoked: filter.includeRevoked,
      includeDeprecated: filter.includeDeprecated,
      platform: filter.platform ? filter.platform.toLowerCase() : null,
      includeSubtechniques: filter.includeSubtechniques ?? true,
      kind: filter.kind ?? null,
      tactic: filter.tactic ?? null,
      skip,
      limit,
    },
  );
  return { total: Number(row?.total ?? 0), nodes: (row?.nodes as GraphNode[]) ?? [] };
}

/** The tactics of a domain in matrix order. */
export async function readTactics(graph: Graph, domain: string, includeDeprecated: boolean): Promise<GraphNode[]> {
  const rows = await graph.read(
    `MATCH (t:Tactic) WHERE t.domain = $domain AND ($includeDeprecated OR NOT t.deprecated) AND NOT t.revoked
     RETURN properties(t) AS node ORDER BY t.order, t.id`,
    { domain, includeDeprecated },
  );
  return rows.map((row) => row.node as GraphNode);
}

/** A tactic by id or STIX id, or by short name within a domain. */
export async function readTactic(graph: Graph, key: string, domain: string): Promise<GraphNode | null> {
  const [row] = await graph.read(
    `MATCH (t:Tactic) WHERE t.id = $key OR t.stixId = $key OR (t.shortname = $key AND t.domain = $domain)
     RETURN properties(t) AS node ORDER BY t.revoked, t.deprecated LIMIT 1`,
    { key, domain },
  );
  return (row?.node as GraphNode) ?? null;
}

/** A Dataset node's properties; `counts` is a JSON object of counts. */
export type DatasetRow = Record<string, unknown> & { name: string; counts?: string };

/** Every Dataset node, by name. */
export async function readDatasets(graph: Graph): Promise<DatasetRow[]> {
  const rows = await graph.read('MATCH (d:Dataset) RETURN properties(d) AS d ORDER BY d.name');
  return rows.map((row) => row.d as DatasetRow);
}

/** Whether any ATT&CK data is loaded (for readiness). */
export async function hasAttackData(graph: Graph): Promise<boolean> {
  const [row] = await graph.read("MATCH (d:Dataset {source: 'attack'}) RETURN count(d) > 0 AS loaded");
  return row?.loaded === true;
}
