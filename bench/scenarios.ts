// The benchmark's query scenarios: what a SOC tool asks of the API, as GraphQL operations on our schema.

/** One benchmarked request: a GraphQL operation and its variables. */
export interface Operation {
  query: string;
  variables: Record<string, unknown>;
}

export type ScenarioName = 'techniqueDetail' | 'techniquePage' | 'matrixCoverage' | 'groupGaps' | 'search';

export interface Scenario extends Operation {
  name: ScenarioName;
  /** One line for BENCHMARKS.md. */
  title: string;
}

/** A technique with many of everything: sub-techniques, groups, Sigma rules, Atomic tests and countermeasures. */
export const DETAIL_TECHNIQUE = 'T1003';
/** A threat group with a large, well-documented technique profile. */
export const GAP_GROUP = 'G0016';
export const SEARCH_TEXT = 'credential dumping';

const COUNTS = 'techniques detected countered tested detectedPercent counteredPercent testedPercent';

export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'techniqueDetail',
    title: `technique detail (${DETAIL_TECHNIQUE}: tactics, sub-techniques, mitigations, groups, countermeasures with paths, Sigma rules, Atomic tests)`,
    query: `query TechniqueDetail($id: ID!) {
  technique(id: $id) {
    id name description platforms
    tactics { id name }
    subtechniques { id name }
    mitigations { id name }
    groups(first: 100) { totalCount nodes { id name } }
    countermeasures {
      technique { id name tactic { name } }
      paths { via offensiveRelation offensiveArtifact { name } defensiveRelation defensiveArtifact { name } }
    }
    sigmaRules(first: 100) { totalCount nodes { id title level status } }
    atomicTests { guid name platforms }
  }
}`,
    variables: { id: DETAIL_TECHNIQUE },
  },
  {
    name: 'techniquePage',
    title: 'a page of 50 techniques with their tactics, Sigma rule counts and countermeasure counts',
    query: `query TechniquePage($first: Int!) {
  techniques(first: $first) {
    totalCount
    nodes { id name tactics { id name } coverage { sigmaRules countermeasures } }
  }
}`,
    variables: { first: 50 },
  },
  {
    name: 'matrixCoverage',
    title: 'coverage of the whole Enterprise matrix for platform Windows and Sigma level high or above',
    query: `query MatrixCoverage($filter: CoverageFilter!) {
  coverage(filter: $filter) {
    totals { ${COUNTS} }
    tactics { tactic { id name } counts { ${COUNTS} } }
  }
}`,
    variables: { filter: { domain: 'ENTERPRISE', platforms: ['Windows'], sigmaMinLevel: 'HIGH' } },
  },
  {
    name: 'groupGaps',
    title: `gaps for threat group ${GAP_GROUP} with recommended countermeasures`,
    query: `query GroupGaps($filter: CoverageFilter!) {
  coverage(filter: $filter) {
    totals { ${COUNTS} }
    gaps(first: 50) { totalCount nodes { technique { id name } usedBy countermeasures { technique { id name } } } }
  }
}`,
    variables: { filter: { groups: [GAP_GROUP] } },
  },
  {
    name: 'search',
    title: `search for "${SEARCH_TEXT}"`,
    query: `query Search($text: String!) {
  search(text: $text, first: 20) {
    type score
    node {
      ... on Technique { id name }
      ... on Group { id name }
      ... on Software { id name }
      ... on Mitigation { id name }
      ... on Campaign { id name }
      ... on D3fendTechnique { id name }
      ... on Artifact { id name }
      ... on SigmaRule { id title }
    }
  }
}`,
    variables: { text: SEARCH_TEXT },
  },
];
