// Integration-test access to the real Neo4j: a guarded reset, seeding helpers, and a fingerprint of the whole graph.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Graph } from '../../src/graph/driver.js';
import { BASE_PROPERTIES, isNodeLabel } from '../../src/graph/model.js';
import { seed } from '../../src/seed/pipeline.js';
import { fixture } from './paths.js';

const MARKER = 'CoverageGraphTestDatabase';

/** A Graph on the database NEO4J_URI names. Throws a hint when the tests were not started by `npm test`. */
export function testGraph(): Graph {
  if (!process.env.NEO4J_URI) {
    throw new Error(
      'NEO4J_URI is not set. Did you forget to run the tests with `npm test` (which starts a test Neo4j), ' +
        'or to point NEO4J_URI at a Neo4j that tests may wipe?',
    );
  }
  return new Graph();
}

/**
 * Empties the test database. Refuses when the database holds data but no test marker, so that a NEO4J_URI
 * pointing at a real deployment is never wiped.
 */
export async function resetGraph(graph: Graph): Promise<void> {
  const [row] = await graph.read(`MATCH (n) WITH count(n) AS nodes
    OPTIONAL MATCH (m:${MARKER}) RETURN nodes, count(m) AS markers`);
  if (Number(row?.nodes) > 0 && Number(row?.markers) === 0) {
    throw new Error(
      `The database at ${process.env.NEO4J_URI} holds data that tests did not create. Did you forget to point ` +
        'NEO4J_URI at a test database? Refusing to wipe it.',
    );
  }
  await graph.write(async (run) => {
    await run(`MATCH (n) WHERE NOT n:${MARKER} DETACH DELETE n`);
    await run(`MERGE (:${MARKER} {createdBy: 'coverage-graph tests'})`);
  });
}

/**
 * Seeds the hand-made fixtures of all four sources (mini Enterprise bundle, mini ontology, rules, tests), `batchSize`
 * rows a batch.
 */
export function seedFixtures(graph: Graph, batchSize = 5000) {
  return seed(
    graph,
    {
      attack: [fixture('attack', 'mini-enterprise.json')],
      d3fend: [fixture('d3fend', 'mini.ttl')],
      sigma: [{ name: 'sigmahq', location: fixture('sigma') }],
      atomic: [fixture('atomic')],
    },
    { batchSize },
  );
}

/** Seeds ATT&CK bundles with the production pipeline and default batch size. */
export function seedAttack(graph: Graph, files: string[], batchSize = 5000) {
  return seed(graph, { attack: files }, { batchSize });
}

/**
 * A fingerprint of everything in the graph but the test marker and load times: counts per label and relationship
 * type, and a hash over every node's labels and properties and every relationship's type, ends and properties.
 */
export async function fingerprint(graph: Graph): Promise<{ counts: Record<string, number>; hash: string }> {
  const { counts, lines } = await fingerprintLines(graph);
  return { counts, hash: createHash('sha256').update(lines.join('\n')).digest('hex') };
}

/** What `fingerprint` hashes: one sorted line per node and relationship, and the counts. */
export async function fingerprintLines(graph: Graph): Promise<{ counts: Record<string, number>; lines: string[] }> {
  const nodes = await graph.read(
    `MATCH (n) WHERE NOT n:${MARKER} AND NOT n:GraphVersion
     RETURN labels(n) AS labels, properties(n) AS props, elementId(n) AS eid`,
  );
  const keyOf = new Map<string, string>();
  const counts: Record<string, number> = {};
  const lines: string[] = [];
  for (const node of nodes) {
    const labels = (node.labels as string[]).sort();
    const props = { ...(node.props as Record<string, unknown>) };
    delete props.loadedAt;
    // Whatever identifies the node in its source: STIX id, D3FEND IRI, Sigma uid, Atomic GUID, or a name.
    const key = String(props.stixId ?? props.iri ?? props.uid ?? props.guid ?? props.name ?? labels.join(':'));
    keyOf.set(node.eid as string, key);
    for (const label of labels) counts[label] = (counts[label] ?? 0) + 1;
    lines.push(`N ${labels.join(':')} ${stable(props)}`);
  }
  const rels = await graph.read(
    `MATCH (a)-[r]->(b) RETURN type(r) AS type, elementId(a) AS a, elementId(b) AS b, properties(r) AS props`,
  );
  for (const rel of rels) {
    counts[rel.type as string] = (counts[rel.type as string] ?? 0) + 1;
    lines.push(`R ${rel.type} ${keyOf.get(rel.a as string)} ${keyOf.get(rel.b as string)} ${stable(rel.props)}`);
  }
  lines.sort();
  return { counts, lines };
}

function stable(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stable).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${k}:${stable((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** How many Cypher statements `work` sends through `graph` (the round trips of a request). */
export async function countQueries(graph: Graph, work: () => Promise<unknown>): Promise<number> {
  let count = 0;
  const stop = graph.onQuery(() => {
    count++;
  });
  try {
    await work();
  } finally {
    stop();
  }
  return count;
}

/**
 * Asserts that the nodes of each label store no base property (id, name, revoked, deprecated) that BASE_PROPERTIES
 * leaves out for it, scanning every node of the graph; returns the labels it saw, so a caller can tell what it checked.
 */
export async function assertBasePropertiesDeclared(graph: Graph): Promise<string[]> {
  const rows = await graph.read(
    `MATCH (n) UNWIND labels(n) AS label
     WITH label, [k IN keys(n) WHERE k IN ['id', 'name', 'revoked', 'deprecated']] AS stored
     UNWIND stored + [null] AS property
     RETURN label, collect(DISTINCT property) AS stored`,
  );
  const seen: string[] = [];
  for (const row of rows) {
    const label = row.label as string;
    if (!isNodeLabel(label)) continue;
    seen.push(label);
    const undeclared = (row.stored as string[]).filter((p) => !(BASE_PROPERTIES[label] as string[]).includes(p));
    assert.deepEqual(undeclared, [], `${label} nodes store ${undeclared.join(', ')}, which BASE_PROPERTIES leaves out`);
  }
  return seen;
}
