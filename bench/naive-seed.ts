// The naive seed baseline: one statement, in its own transaction, per node and per edge, against batched UNWINDs.
// A write-speed baseline only: it keeps no `scopes`, newest-copy properties or retirement of vanished objects, so
// its graph matches the real loader's in nodes, edges and links after a seed into an empty database, not in
// every property. It creates the same constraints first: without them each MERGE would scan its label.
import { readFile, writeFile } from 'node:fs/promises';
import { resourceUsage } from 'node:process';
import { fileURLToPath } from 'node:url';
import { Graph } from '../src/graph/driver.js';
import { linkSources } from '../src/graph/link.js';
import { ATTACK_LABELS, isNodeLabel, NODE_KEYS, type NodeLabel, REL_TYPES } from '../src/graph/model.js';
import { ensureSchema, writeDataset } from '../src/graph/upsert.js';
import { readSources, type SeedRequest } from '../src/seed/pipeline.js';
import type { EdgeRecord, NodeRecord } from '../src/seed/records.js';

/** What the naive loader wrote and how long it took. */
export interface NaiveSeedResult {
  nodes: number;
  edges: number;
  /** The whole run: reading, schema, writing and the link step. */
  seconds: number;
  readSeconds: number;
  /** Writing the sources' nodes, edges and Dataset nodes, as the real seed's per-source `writeSeconds`. */
  writeSeconds: number;
  schemaSeconds: number;
  linkSeconds: number;
  sources: { scope: string; nodes: number; edges: number; readSeconds: number; writeSeconds: number }[];
}

const ATTACK = new Set<string>(ATTACK_LABELS);

/**
 * Seeds `request` the naive way: reads every source with the real parsers, then writes each node and each edge
 * with its own statement in its own transaction, then runs the same link step as the real seed.
 */
export async function naiveSeed(graph: Graph, request: SeedRequest): Promise<NaiveSeedResult> {
  const started = performance.now();
  const read = await readSources(request);
  const schemaStarted = performance.now();
  await ensureSchema(graph);
  const schemaSeconds = secondsSince(schemaStarted);
  const sources: NaiveSeedResult['sources'] = [];
  for (const { records, readSeconds } of read) {
    const writeStarted = performance.now();
    for (const node of records.nodes) {
      const { cypher, params } = nodeStatement(node);
      await graph.write((run) => run(cypher, params));
    }
    for (const edge of records.edges) {
      const { cypher, params } = edgeStatement(edge);
      await graph.write((run) => run(cypher, params));
    }
    // The link step reads the D3FEND Dataset node (the ATT&CK ids it names).
    await writeDataset(graph, records, {}, new Date().toISOString());
    const { scope, nodes, edges } = records;
    sources.push({
      scope,
      nodes: nodes.length,
      edges: edges.length,
      readSeconds,
      writeSeconds: secondsSince(writeStarted),
    });
  }
  const linkStarted = performance.now();
  await linkSources(graph);
  const sum = (figure: 'nodes' | 'edges' | 'readSeconds' | 'writeSeconds') =>
    sources.reduce((total, s) => total + s[figure], 0);
  return {
    nodes: sum('nodes'),
    edges: sum('edges'),
    seconds: secondsSince(started),
    readSeconds: sum('readSeconds'),
    writeSeconds: sum('writeSeconds'),
    schemaSeconds,
    linkSeconds: secondsSince(linkStarted),
    sources,
  };
}

/** The statement that upserts one node; the label and key property come from model.ts, never from the record. */
function nodeStatement(node: NodeRecord): { cypher: string; params: Record<string, unknown> } {
  const label = checkedLabel(node.label);
  const extra = ATTACK.has(label) ? ' SET n:AttackObject' : '';
  return {
    cypher: `MERGE (n:${label} {${NODE_KEYS[label]}: $key})${extra} SET n += $props`,
    params: { key: node.key, props: node.props },
  };
}

/** The statement that upserts one edge between two nodes found by their keys. */
function edgeStatement(edge: EdgeRecord): { cypher: string; params: Record<string, unknown> } {
  if (!(REL_TYPES as readonly string[]).includes(edge.type)) {
    throw new Error(`unknown relationship type ${JSON.stringify(edge.type)}`);
  }
  const from = checkedLabel(edge.from.label);
  const to = checkedLabel(edge.to.label);
  return {
    cypher: `MATCH (a:${from} {${NODE_KEYS[from]}: $from}) MATCH (b:${to} {${NODE_KEYS[to]}: $to})
      MERGE (a)-[r:${edge.type} {key: $key}]->(b) SET r += $props`,
    params: { from: edge.from.key, to: edge.to.key, key: edge.key, props: edge.props },
  };
}

function secondsSince(started: number): number {
  return (performance.now() - started) / 1000;
}

function checkedLabel(label: string): NodeLabel {
  if (!isNodeLabel(label)) throw new Error(`unknown node label ${JSON.stringify(label)}`);
  return label;
}

/**
 * Run as `node dist/bench/naive-seed.js <request.json> <result.json>` (NEO4J_URI and the rest from the environment):
 * seeds the request, then writes the result and the process's peak RSS, so that figure covers this loader alone.
 */
async function main([requestFile, resultFile]: string[]): Promise<void> {
  if (!requestFile || !resultFile) throw new Error('usage: naive-seed.js <request.json> <result.json>');
  const request = JSON.parse(await readFile(requestFile, 'utf8')) as SeedRequest;
  const graph = new Graph();
  try {
    const result = await naiveSeed(graph, request);
    await writeFile(resultFile, JSON.stringify({ ...result, peakRssBytes: resourceUsage().maxRSS * 1024 }));
  } finally {
    await graph.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((error) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exitCode = 1;
  });
}
