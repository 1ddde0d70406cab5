// The statements that write a source during a seed: schema, batched node and edge upserts, scope clean-up, datasets.
import type { EdgeRecord, NodeRecord, SourceRecords } from '../seed/records.js';
import type { Graph } from './driver.js';
import {
  ATTACK_LABELS,
  isNodeLabel,
  NODE_KEYS,
  type NodeLabel,
  REL_TYPES,
  type RelType,
  SCHEMA_STATEMENTS,
} from './model.js';

// The statements that write a source's rows, retire what vanished from it and record its Dataset take one map
// parameter (`$batch`, `$dataset`) holding their rows or keys, their scope and the rest. Neo4j keys its plan cache
// on the text and on each top-level parameter's type, and the type of a list or a string carries its size in powers
// of ten (null is a type of its own): a batch of 1 row after batches of 2-10, a scope of 6 characters after one of
// 24, or a Dataset without a version after one with, would each cost a new plan (25-60 ms on a warm JVM, 150-190 ms
// on a cold one). A map's fields do not (bench/notes.md, steps 35 and 36).

/** Scopes in display order; a node or edge lists the scopes (source slices) that contain it. */
const SCOPE_ORDER = ['attack:enterprise-attack', 'attack:mobile-attack', 'attack:ics-attack'];

const ATTACK = new Set<string>(ATTACK_LABELS);

/**
 * Cypher fragment that adds $batch.scope to (or removes it from) x.scopes, keeping a stable order. For ATT&CK nodes it
 * also derives x.domains (the ATT&CK domains among the scopes). On removal, a copy of properties from the scope is
 * forgotten.
 */
function setScope(x: string, change: 'add' | 'remove', withDomains: boolean): string {
  const kept = `[s IN coalesce(${x}.scopes, []) WHERE s <> $batch.scope]${change === 'add' ? ' + $batch.scope' : ''}`;
  const domains = withDomains ? `, ${x}.domains = [s IN ordered WHERE s STARTS WITH 'attack:' | substring(s, 7)]` : '';
  const forget =
    change === 'remove'
      ? `, ${x}.propsScope = CASE WHEN ${x}.propsScope = $batch.scope THEN null ELSE ${x}.propsScope END`
      : '';
  return `
  WITH ${x}, ${kept} AS kept
  WITH ${x}, [s IN $batch.scopeOrder WHERE s IN kept] + [s IN kept WHERE NOT s IN $batch.scopeOrder] AS ordered
  SET ${x}.scopes = ordered${domains}${forget}`;
}

/** Creates constraints and indexes (idempotent) and waits for indexes to be online. */
export async function ensureSchema(graph: Graph): Promise<void> {
  for (const statement of SCHEMA_STATEMENTS) await graph.schema(statement);
  await graph.schema('CALL db.awaitIndexes(300)');
}

/**
 * Writes one source's records: nodes first, then edges, in batches of `batchSize` rows per transaction.
 * Every statement MERGEs on a constrained key, so a retried or repeated write changes nothing.
 */
export async function writeRecords(
  graph: Graph,
  records: SourceRecords,
  batchSize: number,
  progress: (written: { nodes: number; edges: number }) => void = () => {},
): Promise<{ nodes: number; edges: number }> {
  checkVocabulary(records);
  const written = { nodes: 0, edges: 0 };
  const { scope } = records;
  const scopeOrder = scopeOrderOf(scope);
  for (const [label, group] of groupBy(records.nodes, (n) => statementLabel(n.label))) {
    const attack = label === ATTACK_OBJECT;
    const cypher = attack ? ATTACK_NODE_UPSERT : nodeUpsert(label);
    for (const batch of chunks(group, batchSize)) {
      // Only the ATT&CK statement takes the label from the row; the others have it in their text.
      const rows = batch.map((n: NodeRecord) => ({ key: n.key, ...(attack && { label: n.label }), props: n.props }));
      await graph.write((run) => run(cypher, { batch: { rows, scope, scopeOrder } }));
      written.nodes += batch.length;
      progress(written);
    }
  }
  const signatureOf = (e: EdgeRecord) =>
    ATTACK.has(e.from.label) && ATTACK.has(e.to.label) ? ATTACK_GROUP : `${e.type}|${e.from.label}|${e.to.label}`;
  for (const [signature, group] of groupBy(records.edges, signatureOf)) {
    const attack = signature === ATTACK_GROUP;
    const cypher = attack ? ATTACK_EDGE_UPSERT : edgeUpsert(...splitSignature(signature));
    for (const batch of chunks(group, batchSize)) {
      const rows = batch.map((e: EdgeRecord) => ({
        from: e.from.key,
        to: e.to.key,
        ...(attack && { type: e.type }),
        key: e.key,
        props: e.props,
      }));
      await graph.write((run) => run(cypher, { batch: { rows, scope, scopeOrder } }));
      written.edges += batch.length;
      progress(written);
    }
  }
  return written;
}

/**
 * Removes `records.scope` from nodes and edges of `labels` that this run did not write, and deletes those left
 * with no scope. Called only after a whole run succeeded, so a failed run never loses data.
 */
export async function removeVanished(
  graph: Graph,
  records: SourceRecords,
  labels: readonly NodeLabel[],
): Promise<{ removedNodes: number; removedEdges: number }> {
  const nodeKeys = records.nodes.map((n) => n.key);
  const edgeKeys = records.edges.map((e) => e.key);
  const { scope } = records;
  const scopeOrder = scopeOrderOf(scope);
  let removedEdges = 0;
  let removedNodes = 0;
  await graph.write(async (run) => {
    const [edgeRow] = await run(
      `MATCH (a)-[r]->(b) WHERE $batch.scope IN r.scopes AND NOT r.key IN $batch.keys
       ${setScope('r', 'remove', false)}
       WITH r WHERE size(r.scopes) = 0
       DELETE r
       RETURN count(*) AS removed`,
      { batch: { keys: edgeKeys, scope, scopeOrder } },
    );
    removedEdges = Number(edgeRow?.removed ?? 0);
    // The nodes of every ATT&CK label at once, as they were written; the scope keeps the clean-up to this source's.
    for (const label of new Set(labels.map(statementLabel))) {
      const attack = label === ATTACK_OBJECT;
      const key = attack ? 'stixId' : NODE_KEYS[label];
      const [nodeRow] = await run(
        `MATCH (n:${label}) WHERE $batch.scope IN n.scopes AND NOT n.${key} IN $batch.keys
         ${setScope('n', 'remove', attack)}
         WITH n WHERE size(n.scopes) = 0
         DETACH DELETE n
         RETURN count(*) AS removed`,
        { batch: { keys: nodeKeys, scope, scopeOrder } },
      );
      removedNodes += Number(nodeRow?.removed ?? 0);
    }
  });
  return { removedNodes, removedEdges };
}

/** Records one loaded source: where it came from, its version, when it was loaded and what it holds. */
export async function writeDataset(
  graph: Graph,
  records: SourceRecords,
  counts: Record<string, number>,
  loadedAt: string,
): Promise<void> {
  await graph.write((run) =>
    run(
      `MERGE (d:Dataset {name: $dataset.name})
       SET d = $dataset.extra
       SET d.name = $dataset.name, d.source = $dataset.source, d.version = $dataset.version,
           d.location = $dataset.location, d.modified = $dataset.modified, d.sha256 = $dataset.sha256,
           d.loadedAt = $dataset.loadedAt, d.counts = $dataset.counts`,
      { dataset: { ...records.dataset, extra: records.dataset.extra ?? {}, loadedAt, counts: JSON.stringify(counts) } },
    ),
  );
}

/**
 * Labels and relationship types are spliced into most of these statements (a label that is a value cannot use an
 * index), and passed as values to the ATT&CK ones: either way every record's are checked against the fixed
 * vocabulary of model.ts before anything is written.
 */
function checkVocabulary(records: SourceRecords): void {
  for (const node of records.nodes) {
    if (!isNodeLabel(node.label)) throw new Error(`${records.scope}: unknown node label ${JSON.stringify(node.label)}`);
  }
  for (const edge of records.edges) {
    if (
      !(REL_TYPES as readonly string[]).includes(edge.type) ||
      !isNodeLabel(edge.from.label) ||
      !isNodeLabel(edge.to.label)
    ) {
      throw new Error(`${records.scope}: unknown edge ${JSON.stringify([edge.type, edge.from.label, edge.to.label])}`);
    }
  }
}

/**
 * Properties of an object that several scopes hold (a group in Enterprise and ICS) come from one copy, recorded in
 * `propsScope`: a scope's own re-seed always replaces its copy; another scope's copy wins when it is newer by
 * `modified`, or as new and sorts first by scope name. The outcome does not depend on the order of seeds.
 */
const APPLY_NEWEST = (x: string) => `
  WITH ${x}, row,
    ${x}.propsScope IS NULL OR ${x}.propsScope = $batch.scope
    OR coalesce(row.props.modified, '') > coalesce(${x}.modified, '')
    OR (coalesce(row.props.modified, '') = coalesce(${x}.modified, '') AND $batch.scope < ${x}.propsScope) AS newest
  SET ${x} += CASE WHEN newest THEN row.props ELSE {} END,
      ${x}.propsScope = CASE WHEN newest THEN $batch.scope ELSE ${x}.propsScope END`;

/**
 * The ATT&CK objects and the edges between them are written by one statement each, whatever their label or type:
 * a node is merged on the shared `AttackObject` key (unique, like each label's own) and given its label from the
 * row, an edge its type. Every statement text costs Neo4j a plan, and on a JVM just started, with the seed's other
 * lanes planning too, a plan of such an upsert took 150 ms to over 1 s: the eleven labels, their eleven clean-ups and
 * the twenty-odd edge signatures of a bundle cost about 8 s of a first seed's planning (bench/notes.md, step 43).
 * Labels and types are values here, never spliced, and checkVocabulary has checked them.
 */
const ATTACK_GROUP = 'attack';
const ATTACK_OBJECT = 'AttackObject';

/** The label the statements for nodes of `label` name: every ATT&CK label's goes through `AttackObject`. */
function statementLabel(label: NodeLabel): NodeLabel | typeof ATTACK_OBJECT {
  return ATTACK.has(label) ? ATTACK_OBJECT : label;
}

const ATTACK_NODE_UPSERT = `UNWIND $batch.rows AS row
    MERGE (n:AttackObject {stixId: row.key})
    SET n:$(row.label)
    ${APPLY_NEWEST('n')}
    ${setScope('n', 'add', true)}`;
const ATTACK_EDGE_UPSERT = `UNWIND $batch.rows AS row
    MATCH (a:AttackObject {stixId: row.from})
    MATCH (b:AttackObject {stixId: row.to})
    MERGE (a)-[r:$(row.type) {key: row.key}]->(b)
    ${APPLY_NEWEST('r')}
    ${setScope('r', 'add', false)}`;

/** The upsert of nodes of one label that is not ATT&CK's (those take ATTACK_NODE_UPSERT). */
function nodeUpsert(label: NodeLabel): string {
  return `UNWIND $batch.rows AS row
    MERGE (n:${label} {${NODE_KEYS[label]}: row.key})
    ${APPLY_NEWEST('n')}
    ${setScope('n', 'add', false)}`;
}

function edgeUpsert(type: RelType, fromLabel: NodeLabel, toLabel: NodeLabel): string {
  return `UNWIND $batch.rows AS row
    MATCH (a:${fromLabel} {${NODE_KEYS[fromLabel]}: row.from})
    MATCH (b:${toLabel} {${NODE_KEYS[toLabel]}: row.to})
    MERGE (a)-[r:${type} {key: row.key}]->(b)
    ${APPLY_NEWEST('r')}
    ${setScope('r', 'add', false)}`;
}

function splitSignature(signature: string): [RelType, NodeLabel, NodeLabel] {
  return signature.split('|') as [RelType, NodeLabel, NodeLabel];
}

/** The scope order a statement sorts `scopes` by: the ATT&CK domains, then the scope being written if it is another. */
function scopeOrderOf(scope: string): string[] {
  return SCOPE_ORDER.includes(scope) ? SCOPE_ORDER : [...SCOPE_ORDER, scope];
}

function groupBy<T, K extends string>(items: T[], keyOf: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}

function* chunks<T>(items: T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

/**
 * Gives the graph a new version (a random id on the single GraphVersion node), so that answers cached for the old
 * one are no longer used. A seed calls it before its first write and after its last, so answers cached while it ran
 * are dropped too.
 */
export async function markGraphChanged(graph: Graph): Promise<void> {
  await graph.write((run) =>
    run(
      `MERGE (v:GraphVersion {name: 'graph'})
       SET v.version = randomUUID(), v.changedAt = $now`,
      { now: new Date().toISOString() },
    ),
  );
}
