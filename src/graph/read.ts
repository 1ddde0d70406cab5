// Read queries of the API: batched lookups by id, batched relationship traversals, and filtered pages.
import type { Graph, Row } from './driver.js';
import { listTotalKey } from './list-counts.js';
import { NODE_KEYS, type NodeLabel } from './model.js';
import { readPageOf } from './page.js';
import { fromPairs, type Keep, propertyName, propertyPairs } from './properties.js';
import { RELATIONS, type Relation, type RelationName, targetLabel } from './relations.js';
import { keepShape, textOf } from './texts.js';

/** A node as the API sees it: its properties, plain JS values. ATT&CK nodes have stixId and id; D3FEND ones iri. */
export type GraphNode = Record<string, unknown> & { stixId: string; id: string; name: string };

/** A related node, the properties of the relationship that links it (e.g. a procedure description), and its identity. */
export interface Related {
  node: GraphNode;
  edge: Record<string, unknown> | null;
  /** The related node's key (stixId, iri, uid or guid): tells two paths to one node apart from two nodes. */
  eid: string;
}

export type { DatasetRow } from './read-state.js';
export type { RelationName } from './relations.js';

const D3F_NAMESPACE = 'http://d3fend.mitre.org/ontologies/d3fend.owl#';

/** Among nodes sharing an id (a reused software id), the current one first. */
const CURRENT_FIRST = 'n.revoked, n.deprecated, n.modified DESC, n.source';

/** One relation's batch: the parent keys to follow it from, and the related nodes' and edges' properties to read (all when null). */
export interface RelatedBatch {
  name: RelationName;
  keys: readonly string[];
  keep: Keep;
  keepEdge?: Keep;
}

/**
 * For each batch, for each parent key (the key property of the relation's parent label), its related nodes with the
 * relationship that links each; all batches in one statement (one UNION ALL branch per relation), so that the
 * relation fields of one level of a request cost one round trip. Results follow each batch's `keys`. A node reached
 * through several relationships appears once per relationship.
 */
export async function readRelatedBatches(graph: Graph, batches: readonly RelatedBatch[]): Promise<Related[][][]> {
  if (batches.length === 0) return [];
  const params: Record<string, unknown> = {};
  for (const [i, batch] of batches.entries()) params[`keys${i}`] = batch.keys;
  const cypher = textOf(`batches ${relationsShape(batches)}`, () => {
    const branches = batches.map((batch, i) => {
      const relation: Relation = RELATIONS[batch.name];
      return `UNWIND $keys${i} AS key
       MATCH (p:${relation.from} {${NODE_KEYS[relation.from]}: key})
       ${relationBranch(batch, i, 'key')}`;
    });
    return `CALL () {
       ${branches.join('\n       UNION ALL\n       ')}
     }
     RETURN batch, key, related`;
  });
  const rows = await graph.read(cypher, params);
  const found = batches.map(() => new Map<string, Related[]>());
  for (const row of rows) {
    const i = row.batch as number;
    const batch = batches[i];
    if (batch) found[i]?.set(row.key as string, relatedItems(batch, row.related));
  }
  return batches.map((batch, i) => batch.keys.map((key) => found[i]?.get(key) ?? []));
}

/**
 * Cypher that follows `batch`'s relation from the bound parent `p` (carrying the variables `carry` along) and returns
 * `${i} AS batch` and the related items as `related`. It depends on the batch's relation and property lists only
 * (the parent keys are parameters of the caller's).
 */
function relationBranch(batch: RelatedOfNode, i: number, carry: string): string {
  const relation: Relation = RELATIONS[batch.name];
  const match = (pattern: string) => `MATCH ${pattern} RETURN c, r`;
  const body = relation.alternative
    ? `CALL (p) { ${match(relation.pattern)} UNION ${match(relation.alternative)} }`
    : `CALL (p) { ${match(relation.pattern)} }`;
  const carried = carry ? `${carry}, ` : '';
  const order = relation.order ?? 'c.id';
  const edge = propertyPairs('r', batch.keepEdge ?? null);
  // Each item a [node, edge] pair: a list costs the driver less to decode than a map with its key names. The batch
  // number is returned after the aggregation: as a grouping key it would make a relation with no items return no
  // row, and with nothing carried that row is what keeps the statement's other results. With a property list, the
  // node's properties are read once, in one pass over its property chain (`m`), for both the order and the values.
  const named = batch.keep !== null;
  const sortKeys = [...order.matchAll(/\bc\.(\w+)/g)].map((m) => m[1] as string);
  const read = [...new Set([...(batch.keep ?? []), ...sortKeys])].map((k) => `.${propertyName(k)}`);
  const projection = named ? `, c{${read.join(', ')}} AS m` : '';
  const sortBy = named ? order.replace(/\bc\.(\w+)/g, (_, k: string) => `m.${propertyName(k)}`) : order;
  return `${body}
       WITH ${carried}c, r${projection} ORDER BY ${sortBy}
       WITH ${carried}collect([${propertyPairs(named ? 'm' : 'c', batch.keep)}, ${edge}]) AS related
       RETURN ${i} AS batch, ${carried}related`;
}

/** The related items a branch of `batch` returned (see relationBranch). */
function relatedItems(batch: RelatedOfNode, related: unknown): Related[] {
  const key = NODE_KEYS[targetLabel(batch.name)];
  const items: Related[] = [];
  for (const [nodeValues, edgeValues] of related as [unknown, unknown][]) {
    const node = fromPairs(nodeValues, batch.keep) as GraphNode;
    // A node deleted while the statement ran (a seed retiring it) comes without properties: it is gone.
    if (node[key] === undefined) continue;
    items.push({ node, edge: fromPairs(edgeValues, batch.keepEdge ?? null), eid: String(node[key]) });
  }
  return items;
}

/** One relation to read along with a node or a page (readNodesWithRelated, readPage): a RelatedBatch without keys. */
export type RelatedOfNode = Omit<RelatedBatch, 'keys'>;

/**
 * The Cypher that reads `relations` for a parent bound as `p`: one relationBranch each, joined by UNION ALL (binds
 * `batch` and `related`). Their order is the batch numbers relatedItems reads the results by.
 */
const branchesOf = (relations: readonly RelatedOfNode[]) =>
  relations.map((relation, i) => relationBranch(relation, i, '')).join('\n       UNION ALL\n       ');

/** What the text of relations' branches depends on. */
const relationsShape = (relations: readonly RelatedOfNode[]) =>
  relations.map((r) => `${r.name}(${keepShape(r.keep)}|${keepShape(r.keepEdge)})`).join(' ');

/**
 * Nodes of `label` by id (as readNodes finds them), and, in the same statement, each one's related items through each
 * of `relations` (as readRelatedBatches reads them): lookups and the relation fields under them in one round trip.
 * Results follow `keys`, null where no node has that id.
 */
export async function readNodesWithRelated(
  graph: Graph,
  label: NodeLabel,
  keys: readonly string[],
  keep: Keep,
  relations: readonly RelatedOfNode[],
): Promise<({ node: GraphNode; related: Related[][] } | null)[]> {
  if (relations.length === 0) {
    const nodes = await readNodes(graph, label, keys, keep);
    return nodes.map((node) => node && { node, related: [] });
  }
  const cypher = textOf(
    `withRelated ${label}(${keepShape(keep)}) ${relationsShape(relations)}`,
    () => `UNWIND $keys AS key
     CALL (key) {
       ${LOOKUP[label] ?? seeks(label, ['{id: key}', '{stixId: key}'])}
       WITH n ORDER BY ${CURRENT_FIRST} LIMIT 1
       RETURN n AS p
     }
     CALL (p) {
       ${branchesOf(relations)}
     }
     WITH key, p, collect([batch, related]) AS related
     RETURN key, ${propertyPairs('p', keep)} AS node, related`,
  );
  const rows = await graph.read(cypher, { keys, ns: D3F_NAMESPACE });
  const byKey = new Map<string, { node: GraphNode; related: Related[][] }>();
  for (const row of rows) {
    const node = fromPairs(row.node, keep) as GraphNode | null;
    // A node deleted while the statement ran comes without properties: not found.
    if (!node || node[NODE_KEYS[label]] === undefined) continue;
    const byBatch = new Map(row.related as [number, unknown][]);
    byKey.set(row.key as string, {
      node,
      related: relations.map((relation, i) => relatedItems(relation, byBatch.get(i) ?? [])),
    });
  }
  return keys.map((key) => byKey.get(key) ?? null);
}

/**
 * How a label's nodes are looked up by the id a user gives (`key`): Cypher that binds `n` for each `key`; `$ns` is
 * the D3FEND namespace. Labels not listed: ATT&CK nodes, by ATT&CK id or STIX id.
 */
const LOOKUP: Partial<Record<NodeLabel, string>> = {
  D3fendTechnique: seeks('D3fendTechnique', ['{id: key}', '{iri: $ns + key}']),
  D3fendTactic: 'MATCH (n:D3fendTactic) WHERE toLower(n.name) = toLower(key)',
  // By local name or IRI (index seeks); the label scan by name only for keys that neither finds.
  Artifact: `OPTIONAL MATCH (byId:Artifact {id: key})
    OPTIONAL MATCH (byIri:Artifact {iri: key})
    WITH key, coalesce(byId, byIri) AS found
    CALL (key, found) {
      WITH found WHERE found IS NOT NULL RETURN found AS n
      UNION
      WITH key, found WHERE found IS NULL MATCH (n:Artifact) WHERE toLower(n.name) = toLower(key) RETURN n
    }`,
  SigmaRule: seeks('SigmaRule', ['{uid: key}', '{id: key}']),
  AtomicTest: 'MATCH (n:AtomicTest {guid: key})',
};

/** Nodes of `label` matching any of `patterns` (property maps on `key`): index seeks, where an OR would scan. */
function seeks(label: NodeLabel, patterns: string[]): string {
  return `CALL (key) { ${patterns.map((p) => `MATCH (n:${label} ${p}) RETURN n`).join(' UNION ')} }`;
}

/**
 * Nodes of `label` by id, in one query; results follow `keys`, null where unknown. ATT&CK nodes are found by ATT&CK
 * id or STIX id; when several share an ATT&CK id (a reused software id), the current one wins over revoked or
 * deprecated ones. D3FEND techniques by D3FEND id or IRI local name, artifacts by local name, label or IRI.
 */
export async function readNodes(
  graph: Graph,
  label: NodeLabel,
  keys: readonly string[],
  keep: Keep = null,
): Promise<(GraphNode | null)[]> {
  const rows = await graph.read(
    `UNWIND $keys AS key
     ${LOOKUP[label] ?? seeks(label, ['{id: key}', '{stixId: key}'])}
     WITH key, n ORDER BY ${CURRENT_FIRST}
     RETURN key, head(collect(${propertyPairs('n', keep)})) AS node`,
    { keys, ns: D3F_NAMESPACE },
  );
  const byKey = new Map(
    rows
      .map((row: Row) => [row.key as string, fromPairs(row.node, keep)] as const)
      // A node deleted while the statement ran comes without properties: not found.
      .filter(([, node]) => node?.[NODE_KEYS[label]] !== undefined),
  );
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

/**
 * One page of nodes of `label` (an ATT&CK label) matching `filter`, in id order, with the total number of matches.
 * Every ATT&CK object has an id: `n.id IS NOT NULL` drops none, and lets the page follow the label's id index in
 * order instead of sorting every match.
 */
export async function readPage(
  graph: Graph,
  label: NodeLabel,
  filter: ListFilter,
  skip: number,
  limit: number,
  keep: Keep = null,
  relations: readonly RelatedOfNode[] = [],
): Promise<{ total: number; nodes: GraphNode[]; related: Related[][][] }> {
  // The relations to read for each node of the page, in the same statement (as readNodesWithRelated does).
  const page = await readPageOf(
    graph,
    `MATCH (n:${label})
     WHERE n.id IS NOT NULL
       AND ($domain IS NULL OR $domain IN n.domains)
       AND ($includeRevoked OR NOT n.revoked)
       AND ($includeDeprecated OR NOT n.deprecated)
       AND ($text IS NULL OR toLower(n.id) CONTAINS $text OR toLower(n.name) CONTAINS $text
            OR any(a IN coalesce(n.aliases, []) WHERE toLower(a) CONTAINS $text)
            OR toLower(coalesce(n.description, '')) CONTAINS $text)
       AND ($platform IS NULL OR any(x IN coalesce(n.platforms, []) WHERE toLower(x) = $platform))
       AND ($includeSubtechniques OR NOT coalesce(n.isSubtechnique, false))
       AND ($kind IS NULL OR n.kind = $kind)
       AND ($tactic IS NULL OR EXISTS {
             MATCH (n)-[:IN_TACTIC]->(t:Tactic) WHERE t.id = $tactic OR t.shortname = $tactic })`,
    'n.id, n.stixId',
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
    keep,
    relations.length > 0 ? textOf(`branches ${relationsShape(relations)}`, () => branchesOf(relations)) : null,
    listTotalKey(label, filter),
  );
  const related = page.nodes.map(() => relations.map(() => [] as Related[]));
  for (const [position, i, items] of page.relations) {
    const batch = relations[i];
    const slot = related[position];
    if (batch && slot) slot[i] = relatedItems(batch, items);
  }
  return { total: page.total, nodes: page.nodes, related };
}

/** The tactics of a domain in matrix order, with the properties `keep` names (all when null). */
export async function readTactics(
  graph: Graph,
  domain: string,
  includeDeprecated: boolean,
  keep: Keep = null,
): Promise<GraphNode[]> {
  const rows = await graph.read(
    `MATCH (t:Tactic) WHERE t.domain = $domain AND ($includeDeprecated OR NOT t.deprecated) AND NOT t.revoked
     RETURN ${propertyPairs('t', keep)} AS node ORDER BY t.order, t.id`,
    { domain, includeDeprecated },
  );
  return rows.map((row) => fromPairs(row.node, keep) as GraphNode);
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
