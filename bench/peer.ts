// The "@neo4j/graphql" peer of the benchmark: type definitions over our graph, its schema, its queries, its round trips.
import { Neo4jGraphQL } from '@neo4j/graphql';
import { type GraphQLSchema, graphql } from 'graphql';
import type { Driver, ManagedTransaction, Session } from 'neo4j-driver';
import { DEFAULT_SIGMA_STATUSES } from '../src/graph/coverage-facts.js';
import { SEARCH_INDEX } from '../src/graph/model.js';
import { FIRST_ATTEMPT, luceneQuery } from '../src/graph/read-search.js';
import { DETAIL_TECHNIQUE, GAP_GROUP, type Operation, type ScenarioName, SEARCH_TEXT } from './scenarios.js';

/**
 * Type definitions (v7 syntax) over the labels, properties and relationship types the seeder writes; nothing in the
 * graph changes. A COUNTERS edge keeps its `paths` as stored, strings `via|offRel|offArtifact|defRel|defArtifact`
 * with artifacts by IRI local name: the library has no way to split them, so the client does (our API does it on
 * the server and resolves each artifact to its name). Search is a `@cypher` field over the `coverage_search` index,
 * which spans eight labels; `@fulltext` would give one query field per label, not one ranked list. It asks Lucene
 * for as many hits as our first attempt does with no type filter (FIRST_ATTEMPT in src/graph/read-search.ts).
 */
export const PEER_TYPE_DEFS = `
type Tactic @node {
  id: ID!
  name: String!
  domain: String!
  order: Float
  revoked: Boolean!
  deprecated: Boolean!
  techniques: [Technique!]! @relationship(type: "IN_TACTIC", direction: IN)
}

type Technique @node {
  id: ID!
  name: String!
  description: String
  platforms: [String!]!
  domains: [String!]!
  revoked: Boolean!
  deprecated: Boolean!
  tactics: [Tactic!]! @relationship(type: "IN_TACTIC", direction: OUT)
  subtechniques: [Technique!]! @relationship(type: "SUBTECHNIQUE_OF", direction: IN, properties: "AttackRelation")
  mitigations: [Mitigation!]! @relationship(type: "MITIGATES", direction: IN, properties: "AttackRelation")
  groups: [Group!]! @relationship(type: "USES", direction: IN, properties: "AttackRelation")
  countermeasures: [D3fendTechnique!]! @relationship(type: "COUNTERS", direction: IN, properties: "Counters")
  sigmaRules: [SigmaRule!]! @relationship(type: "DETECTS", direction: IN)
  atomicTests: [AtomicTest!]! @relationship(type: "TESTS", direction: IN)
}

"An ATT&CK relationship object stored as an edge (USES, MITIGATES, SUBTECHNIQUE_OF)."
type AttackRelation @relationshipProperties { description: String revoked: Boolean deprecated: Boolean }
type Counters @relationshipProperties { paths: [String!]! }
type Mitigation @node { id: ID! name: String! revoked: Boolean! deprecated: Boolean! }

type Group @node {
  id: ID!
  name: String!
  revoked: Boolean!
  deprecated: Boolean!
  techniques: [Technique!]! @relationship(type: "USES", direction: OUT, properties: "AttackRelation")
}

type Software @node { id: ID! name: String! }
type Campaign @node { id: ID! name: String! }
type D3fendTactic @node { name: String! order: Float }

type D3fendTechnique @node {
  id: ID!
  name: String!
  deprecated: Boolean
  tactic: D3fendTactic @relationship(type: "IN_TACTIC", direction: OUT)
}

type Artifact @node { id: ID! name: String! }
type SigmaRule @node { id: ID! title: String! level: String levelRank: Float status: String }
type AtomicTest @node { guid: ID! name: String! number: Float platforms: [String!]! }

union SearchNode = Technique | Group | Software | Mitigation | Campaign | D3fendTechnique | Artifact | SigmaRule

type Query {
  "The best hits of a Lucene query over the full-text index, current objects only, best first."
  search(query: String!, first: Int! = 20): [SearchNode!]!
    @cypher(
      statement: """
      CALL db.index.fulltext.queryNodes('${SEARCH_INDEX}', $query, {limit: toInteger($first * ${FIRST_ATTEMPT.unfiltered.times} + ${FIRST_ATTEMPT.unfiltered.plus})})
      YIELD node, score
      WHERE NOT coalesce(node.revoked, false) AND NOT coalesce(node.deprecated, false)
      RETURN node ORDER BY score DESC, node.id LIMIT toInteger($first)
      """
      columnName: "node"
    )
}
`;

/**
 * The peer's executable schema. Only `getSchema()`: the library is never asked to assert or create indexes and
 * constraints, so the graph stays exactly as the seeder left it.
 */
export async function createPeerSchema(driver: Driver): Promise<GraphQLSchema> {
  return new Neo4jGraphQL({ typeDefs: PEER_TYPE_DEFS, driver }).getSchema();
}

/** Filter of the objects our API shows by default: neither revoked nor deprecated. */
const CURRENT = 'revoked: { eq: false }, deprecated: { eq: false }';
const ENTERPRISE = 'enterprise-attack';
/** Rank of Sigma level `high` in the seeded `levelRank` (informational 0 ... critical 4). */
const HIGH_LEVEL_RANK = 3;

/** Per technique, what coverage counts: rules under `$rules`, current countermeasures, Atomic tests. */
const COVERAGE_COUNTS = `sigmaRulesConnection(where: { node: $rules }) { totalCount }
      countermeasuresConnection(where: { node: { deprecated: { eq: false } } }) { totalCount }
      atomicTestsConnection { totalCount }`;

/** For each scenario, the closest query the peer schema can answer, with the scenario's constants. */
export const PEER_OPERATIONS: Record<ScenarioName, Operation> = {
  techniqueDetail: {
    query: `query TechniqueDetail($id: ID!) {
  techniques(where: { id: { eq: $id } }) {
    id name description platforms
    tactics(where: { ${CURRENT} }, sort: [{ order: ASC }]) { id name }
    subtechniques(where: { ${CURRENT} }, sort: [{ id: ASC }]) { id name }
    mitigations(where: { ${CURRENT} }, sort: [{ id: ASC }]) { id name }
    groupsConnection(first: 100, where: { node: { ${CURRENT} }, edge: { ${CURRENT} } }, sort: [{ node: { id: ASC } }]) {
      totalCount edges { node { id name } }
    }
    countermeasuresConnection(where: { node: { deprecated: { eq: false } } }, sort: [{ node: { name: ASC } }]) {
      edges { properties { paths } node { id name tactic { name } } }
    }
    sigmaRulesConnection(first: 100, sort: [{ node: { title: ASC } }]) {
      totalCount edges { node { id title level status } }
    }
    atomicTests(sort: [{ number: ASC }]) { guid name platforms }
  }
}`,
    variables: { id: DETAIL_TECHNIQUE },
  },
  techniquePage: {
    // Our coverage { sigmaRules countermeasures } counts rules of the default statuses and current countermeasures.
    query: `query TechniquePage($first: Int!, $statuses: [String!]!) {
  techniquesConnection(first: $first, where: { ${CURRENT} }, sort: [{ id: ASC }]) {
    totalCount
    edges {
      node {
        id name
        tactics(where: { ${CURRENT} }, sort: [{ order: ASC }]) { id name }
        sigmaRulesConnection(where: { node: { status: { in: $statuses } } }) { totalCount }
        countermeasuresConnection(where: { node: { deprecated: { eq: false } } }) { totalCount }
      }
    }
  }
}`,
    variables: { first: 50, statuses: DEFAULT_SIGMA_STATUSES },
  },
  matrixCoverage: {
    // The client still computes the counts: per tactic, the techniques listed and how many have a rule (detected),
    // a countermeasure (countered) and a test (tested); in total, the same over the techniques deduplicated by id
    // (one technique can sit in several tactics); and every percentage.
    query: `query MatrixCoverage($domain: String!, $platform: String!, $rules: SigmaRuleWhere!) {
  tactics(where: { domain: { eq: $domain }, ${CURRENT} }, sort: [{ order: ASC }]) {
    id name
    techniques(where: { domains: { includes: $domain }, platforms: { includes: $platform }, ${CURRENT} }) {
      id
      ${COVERAGE_COUNTS}
    }
  }
}`,
    variables: {
      domain: ENTERPRISE,
      platform: 'Windows',
      rules: { levelRank: { gte: HIGH_LEVEL_RANK }, status: { in: DEFAULT_SIGMA_STATUSES } },
    },
  },
  groupGaps: {
    // The client keeps the techniques with no rule as gaps (all used by the one group, so ordered by id) and
    // computes the totals as for matrixCoverage.
    query: `query GroupGaps($group: ID!, $domain: String!, $rules: SigmaRuleWhere!) {
  groups(where: { id: { eq: $group }, ${CURRENT} }) {
    id name
    techniques(where: { domains: { includes: $domain }, ${CURRENT} }, sort: [{ id: ASC }]) {
      id name
      ${COVERAGE_COUNTS}
      countermeasures(where: { deprecated: { eq: false } }, sort: [{ name: ASC }]) { id name }
    }
  }
}`,
    variables: { group: GAP_GROUP, domain: ENTERPRISE, rules: { status: { in: DEFAULT_SIGMA_STATUSES } } },
  },
  search: {
    // The client builds the same Lucene query as our server; the exact-id boosts of our search are left out.
    query: `query Search($query: String!, $first: Int!) {
  search(query: $query, first: $first) {
    __typename
    ... on Technique { id name }
    ... on Group { id name }
    ... on Software { id name }
    ... on Mitigation { id name }
    ... on Campaign { id name }
    ... on D3fendTechnique { id name }
    ... on Artifact { id name }
    ... on SigmaRule { id title }
  }
}`,
    variables: { query: luceneQuery(SEARCH_TEXT), first: 20 },
  },
};

/**
 * A view of `target` whose members in `methods` are replaced; every other method stays bound to `target`, so the
 * driver's internals keep working.
 */
function withMethods<T extends object>(target: T, methods: Record<string, unknown>): T {
  return new Proxy(target, {
    get(object, key) {
      if (typeof key === 'string' && Object.hasOwn(methods, key)) return methods[key];
      const value = Reflect.get(object, key, object);
      return typeof value === 'function' ? value.bind(object) : value;
    },
  });
}

/** A driver that behaves as `driver` and calls `seen` with every Cypher statement (and its parameters) sent through it. */
function countingDriver(driver: Driver, seen: (cypher: string, parameters: unknown) => void): Driver {
  const transaction = (tx: ManagedTransaction) =>
    withMethods(tx, {
      run: (...args: Parameters<ManagedTransaction['run']>) => {
        seen(String(args[0]), args[1]);
        return tx.run(...args);
      },
    });
  const session = (s: Session) =>
    withMethods(s, {
      run: (...args: Parameters<Session['run']>) => {
        seen(String(args[0]), args[1]);
        return s.run(...args);
      },
      executeRead: <T>(work: (tx: ManagedTransaction) => Promise<T>, config?: Parameters<Session['executeRead']>[1]) =>
        s.executeRead((tx) => work(transaction(tx)), config),
      executeWrite: <T>(
        work: (tx: ManagedTransaction) => Promise<T>,
        config?: Parameters<Session['executeWrite']>[1],
      ) => s.executeWrite((tx) => work(transaction(tx)), config),
    });
  return withMethods(driver, {
    session: (...args: Parameters<Driver['session']>) => session(driver.session(...args)),
    executeQuery: (...args: Parameters<Driver['executeQuery']>) => {
      seen(String(args[0]), args[1]);
      return driver.executeQuery(...args);
    },
  });
}

/** One Cypher statement the peer sent, with its parameters. */
export interface PeerStatement {
  cypher: string;
  parameters: Record<string, unknown>;
}

/**
 * Runs `operation` once on the peer schema and returns the Cypher statements the library sent for it. The
 * server-version probe (`CALL dbms.components()`) the library makes on its first request in a process is left out:
 * it is not part of answering the operation. Rejects with the GraphQL errors when the operation fails.
 */
export async function peerStatements(
  driver: Driver,
  schema: GraphQLSchema,
  operation: Operation,
): Promise<PeerStatement[]> {
  const statements: PeerStatement[] = [];
  const executionContext = countingDriver(driver, (cypher, parameters) => {
    if (!cypher.includes('dbms.components()')) {
      statements.push({ cypher, parameters: (parameters ?? {}) as Record<string, unknown> });
    }
  });
  const result = await graphql({
    schema,
    source: operation.query,
    variableValues: operation.variables,
    contextValue: { executionContext },
  });
  if (result.errors?.length) {
    throw new Error(`peer operation failed: ${result.errors.map((e) => e.message).join('; ')}`);
  }
  return statements;
}

/** How many Cypher statements the peer sends for `operation` (see peerStatements). */
export async function countPeerRoundTrips(
  driver: Driver,
  schema: GraphQLSchema,
  operation: Operation,
): Promise<number> {
  return (await peerStatements(driver, schema, operation)).length;
}
