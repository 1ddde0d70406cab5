// The benchmark's "floor" server: our schema on Apollo answering every scenario from memory, with no database at all.
import { type DocumentNode, type GraphQLResolveInfo, Kind, parse, print, type SelectionSetNode, visit } from 'graphql';
import { loadTypeDefs } from '../src/api/schema.js';
import { executeInProcess } from '../src/api/server.js';
import type { Graph } from '../src/graph/driver.js';
import { SCENARIOS } from './scenarios.js';

/**
 * The schema and resolvers of the floor: each root field answers with what our server answered for the scenario
 * whose operation name the request carries (computed once at start, on the real graph). What remains per request is
 * what any server on Apollo Server and graphql-js pays for the same answer: the HTTP request, Apollo's pipeline,
 * executing the selection over the finished answer (default resolvers) and serialising it. Its throughput is the
 * ceiling for such a server on this machine, whatever its database work.
 */
export async function floorSchema(
  graph: Graph,
): Promise<{ typeDefs: string[]; resolvers: { Query: Record<string, unknown> } }> {
  const answers = new Map<string, Record<string, unknown>>();
  const rootFields = new Set<string>();
  for (const scenario of SCENARIOS) {
    const data = await executeInProcess(graph, print(withTypenames(parse(scenario.query))), scenario.variables);
    const operation = /query\s+(\w+)/.exec(scenario.query)?.[1];
    if (!operation) throw new Error(`scenario ${scenario.name} has no operation name`);
    answers.set(operation, data);
    for (const field of Object.keys(data)) if (field !== '__typename') rootFields.add(field);
  }
  const query: Record<string, (parent: unknown, args: unknown, context: unknown, info: GraphQLResolveInfo) => unknown> =
    {};
  for (const field of rootFields) {
    query[field] = (_parent, _args, _context, info) => answers.get(info.operation.name?.value ?? '')?.[field] ?? null;
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
