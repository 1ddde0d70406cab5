// Every statement that changes the graph during a seed: schema, batched node and edge upserts, scope clean-up, datasets.
import type { EdgeRecord, NodeRecord, SourceRecords } from '../seed/records.js';
import type { Graph } from './driver.js';
import { ATTACK_LABELS, NODE_KEYS, type NodeLabel, SCHEMA_STATEMENTS } from './model.js';

/** Scopes in display order; a node or edge lists the scopes (source slices) that contain it. */
const SCOPE_ORDER = ['attack:enterprise-attack', 'attack:mobile-attack', 'attack:ics-attack'];

const ATTACK = new Set<string>(ATTACK_LABELS);

/**
 * Cypher fragment that adds $scope to (or removes it from) x.scopes, keeping a stable order, and derives
 * x.domains (the ATT&CK domains among the scopes).
 */
const setScope = (x: string, change: 'add' | 'remove') => `
  WITH ${x}, [s IN coalesce(${x}.scopes, []) WHERE s <> $scope]${change === 'add' ? ' + $scope' : ''} AS all
  SET ${x}.scopes = [s IN $scopeOrder WHERE s IN all] + [s IN all WHERE NOT s IN $scopeOrder],
      ${x}.domains = [s IN [s IN $scopeOrder WHERE s IN all] + [s IN all WHERE NOT s IN $scopeOrder]
                      WHERE s STARTS WITH 'attack:' | substring(s, 7)]`;

export interface WriteCounts {
  nodes: number;
  edges: number;
  removedNodes: number;
  removedEdges: number;
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
  const written = { nodes: 0, edges: 0 };
  const scopeOrder = [...SCOPE_ORDER, records.scope].filter((s, i, all) => all.indexOf(s) === i);
  for (const [label, group] of groupBy(records.nodes, (n) => n.label)) {
    const cypher = nodeUpsert(label as NodeLabel);
    for (const batch of chunks(group, batchSize)) {
      const rows = batch.map((n: NodeRecord) => ({ key: n.key, props: n.props }));
      await graph.write((run) => run(cypher, { rows, scope: records.scope, scopeOrder }));
      written.nodes += batch.length;
      progress(written);
    }
  }
  for (const [signature, group] of groupBy(records.edges, (e) => `${e.type}|${e.from.label}|${e.to.label}`)) {
    const [type, fromLabel, toLabel] = signature.split('|') as [string, NodeLabel, NodeLabel];
    const cypher = edgeUpsert(type, fromLabel, toLabel);
    for (const batch of chunks(group, batchSize)) {
      const rows = batch.map((e: EdgeRecord) => ({ from: e.from.key, to: e.to.key, key: e.key, props: e.props }));
      await graph.write((run) => run(cypher, { rows, scope: records.scope, scopeOrder }));
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
  const scopeOrder = [...SCOPE_ORDER, records.scope];
  let removedEdges = 0;
  let removedNodes = 0;
  await graph.write(async (run) => {
    const [edgeRow] = await run(
      `MATCH (a)-[r]->(b) WHERE $scope IN r.scopes AND NOT r.key IN $keep
       ${setScope('r', 'remove')}
       WITH r WHERE size(r.scopes) = 0
       DELETE r
       RETURN count(*) AS removed`,
      { scope: records.scope, keep: edgeKeys, scopeOrder },
    );
    removedEdges = Number(edgeRow?.removed ?? 0);
    for (const label of labels) {
      const [nodeRow] = await run(
        `MATCH (n:${label}) WHERE $scope IN n.scopes AND NOT n.${NODE_KEYS[label]} IN $keep
         ${setScope('n', 'remove')}
         WITH n WHERE size(n.scopes) = 0
         DETACH DELETE n
         RETURN count(*) AS removed`,
        { scope: records.scope, keep: nodeKeys, scopeOrder },
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
      `MERGE (d:Dataset {name: $name})
       SET d.source = $source, d.version = $version, d.location = $location, d.modified = $modified,
           d.sha256 = $sha256, d.loadedAt = $loadedAt, d.counts = $counts`,
      { ...records.dataset, loadedAt, counts: JSON.stringify(counts) },
    ),
  );
}

function nodeUpsert(label: NodeLabel): string {
  const extra = ATTACK.has(label) ? 'SET n:AttackObject' : '';
  return `UNWIND $rows AS row
    MERGE (n:${label} {${NODE_KEYS[label]}: row.key})
    ${extra}
    SET n += row.props
    ${setScope('n', 'add')}`;
}

function edgeUpsert(type: string, fromLabel: NodeLabel, toLabel: NodeLabel): string {
  return `UNWIND $rows AS row
    MATCH (a:${fromLabel} {${NODE_KEYS[fromLabel]}: row.from})
    MATCH (b:${toLabel} {${NODE_KEYS[toLabel]}: row.to})
    MERGE (a)-[r:${type} {key: row.key}]->(b)
    SET r += row.props
    ${setScope('r', 'add')}`;
}

function groupBy<T>(items: T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
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
