// The benchmark's "floor" servers: our schema on Apollo answering every scenario from memory, with no database work
// at all, or with exactly the peer's or exactly our own.

import { type DocumentNode, type GraphQLResolveInfo, Kind, parse, print, type SelectionSetNode, visit } from 'graphql';
import neo4j from 'neo4j-driver';
import { loadTypeDefs } from '../src/api/schema.js';
import { executeInProcess } from '../src/api/server.js';
import type { Graph } from '../src/graph/driver.js';
import { createPeerSchema, PEER_OPERATIONS, type PeerStatement, peerStatements } from './peer.js';
import { SCENARIOS } from './scenarios.js';

/**
 * The schema and resolvers of the floor: each root field answers with what our server answered for the scenario
 * whose operation name the request carries (computed once at start, on the real graph). What remains per request is
 * what any server on Apollo Server and graphql-js pays for the same answer: the HTTP request, Apollo's pipeline,
 * executing the selection over the finished answer (default resolvers) and serialising it. Its throughput is the
 * ceiling for such a server on this machine, whatever its database work.
 *
 * With `peerCypher`, each request first runs the Cypher that @neo4j/graphql compiles for the scenario (captured once
 * at start) and reads its results: the ceiling for an Apollo server that does exactly the peer's database work, with
 * no cost at all for turning a request into Cypher or the records into the answer.
 *
 * With `ourCypher`, each request first runs the statements our server without its cache sends for the scenario
 * (captured once at start) through Graph.read, as ours does, all at once: the ceiling for ours with its database work
 * as it is. Under load, what ours spends beyond it is its own GraphQL layer (loaders, resolvers, plugins), and what
 * it spends beyond the plain floor is the statements, in Neo4j and in the driver; at 1 connection ours also waits
 * for one statement before sending the next where it has two rounds (coverage), and this floor does not.
 */
export async function floorSchema(
  graph: Graph,
  options: { peerCypher?: boolean; ourCypher?: boolean } = {},
): Promise<{ typeDefs: string[]; resolvers: { Query: Record<string, unknown> } }> {
  const answers = new Map<string, Record<string, unknown>>();
  const statements = new Map<string, PeerStatement[]>();
  const ours = new Map<string, { cypher: string; params: Record<string, unknown> }[]>();
  const peerSchema = options.peerCypher ? await createPeerSchema(graph.driver) : null;
  const rootFields = new Set<string>();
  for (const scenario of SCENARIOS) {
    const data = await executeInProcess(graph, print(withTypenames(parse(scenario.query))), scenario.variables);
    const operation = /query\s+(\w+)/.exec(scenario.query)?.[1];
    if (!operation) throw new Error(`scenario ${scenario.name} has no operation name`);
    answers.set(operation, data);
    if (options.ourCypher) {
      const sent: { cypher: string; params: Record<string, unknown> }[] = [];
      const stop = graph.onQuery((cypher, params) => sent.push({ cypher, params }));
      await executeInProcess(graph, scenario.query, scenario.variables);
      stop();
      ours.set(operation, sent);
    }
    if (peerSchema) {
      statements.set(operation, await peerStatements(graph.driver, peerSchema, PEER_OPERATIONS[scenario.name]));
    }
    for (const field of Object.keys(data)) if (field !== '__typename') rootFields.add(field);
  }
  // Once per request (the context is new for each): the statements of the scenario, read to the end before the
  // answer from memory. The peer's in a read transaction each, as its server runs them; ours through Graph.read, as
  // ours runs them, all at once (none waits on another here, so this is the shortest ours could take).
  const runStatements = async (operation: string) => {
    for (const { cypher, parameters } of statements.get(operation) ?? []) {
      const session = graph.driver.session({ defaultAccessMode: neo4j.session.READ });
      try {
        await session.executeRead((tx) => tx.run(cypher, parameters));
      } finally {
        await session.close();
      }
    }
    await Promise.all((ours.get(operation) ?? []).map(({ cypher, params }) => graph.read(cypher, params)));
  };
  const databaseWork = new WeakMap<object, Promise<void>>();
  const once = (context: object, operation: string) => {
    let work = databaseWork.get(context);
    if (!work) {
      work = runStatements(operation);
      databaseWork.set(context, work);
    }
    return work;
  };
  const query: Record<string, (parent: unknown, args: unknown, context: object, info: GraphQLResolveInfo) => unknown> =
    {};
  for (const field of rootFields) {
    query[field] = async (_parent, _args, context, info) => {
      const operation = info.operation.name?.value ?? '';
      if (peerSchema || options.ourCypher) await once(context, operation);
      return answers.get(operation)?.[field] ?? null;
    };
  }
  return { typeDefs: loadTypeDefs(), resolvers: { Query: query } };
}

/** The document with `__typename` in every selection set, so that the stored answer tells unions and interfaces apart. */
function withTypenames(document: DocumentNode): DocumentNode {
  return visit(document, {
    SelectionSet(node: SelectionSetNode): SelectionSetNode {
      const has = node.selections.some((s) => s.kind === Kind.FIELD && s.name.value === '__typename');
      if (has) return node;
      return {
        ...node,
        selections: [...node.selections, { kind: Kind.FIELD, name: { kind: Kind.NAME, value: '__typename' } }],
      };
    },
  });
}
