// The fixed vocabulary of the graph: node labels with their keys, relationship types, constraints and indexes.
// Labels and relationship types in Cypher come from here, never from input (spliced, or as values checked against it).

/** Every node label the graph holds, with the property that identifies a node of that label. */
export const NODE_KEYS = {
  Tactic: 'stixId',
  Technique: 'stixId',
  Mitigation: 'stixId',
  Group: 'stixId',
  Software: 'stixId',
  Campaign: 'stixId',
  DataSource: 'stixId',
  DataComponent: 'stixId',
  DetectionStrategy: 'stixId',
  Analytic: 'stixId',
  Asset: 'stixId',
  D3fendTactic: 'name',
  D3fendTechnique: 'id',
  Artifact: 'iri',
  SigmaRule: 'uid',
  AtomicTest: 'guid',
  Dataset: 'name',
  TechniqueVersion: 'key',
  TacticVersion: 'key',
  LogSource: 'key',
  CoverageClaim: 'name',
} as const;

export type NodeLabel = keyof typeof NODE_KEYS;

/** STIX object types of ATT&CK that become nodes, and their label (also their GraphQL type). */
export const LABEL_OF_STIX_TYPE: Readonly<Record<string, NodeLabel>> = {
  'x-mitre-tactic': 'Tactic',
  'attack-pattern': 'Technique',
  'course-of-action': 'Mitigation',
  'intrusion-set': 'Group',
  malware: 'Software',
  tool: 'Software',
  campaign: 'Campaign',
  'x-mitre-data-source': 'DataSource',
  'x-mitre-data-component': 'DataComponent',
  'x-mitre-detection-strategy': 'DetectionStrategy',
  'x-mitre-analytic': 'Analytic',
  'x-mitre-asset': 'Asset',
};

/** Labels of the objects that come from ATT&CK STIX bundles; each also carries the label `AttackObject`. */
export const ATTACK_LABELS = [
  'Tactic',
  'Technique',
  'Mitigation',
  'Group',
  'Software',
  'Campaign',
  'DataSource',
  'DataComponent',
  'DetectionStrategy',
  'Analytic',
  'Asset',
] as const satisfies readonly NodeLabel[];

/**
 * The properties a read returns of a node whatever a request selects (projection.ts), besides its label's key, where
 * its label stores them: what identifies it to a person, names it (sorting, tactic lookups) or tells whether it is
 * current (the filters that hide revoked and deprecated objects).
 */
export type BaseProperty = 'id' | 'name' | 'revoked' | 'deprecated';

const ATTACK_BASE: readonly BaseProperty[] = ['id', 'name', 'revoked', 'deprecated'];

/**
 * Which base properties the nodes of each label store (the seeders and writers decide; a test checks that no node of
 * a seeded graph stores one its label's entry leaves out). A read asks only for these: looking up a property a node
 * lacks walks all of its properties, so a Sigma rule asked for `name`, `revoked` and `deprecated` costs Neo4j three
 * such walks for nothing. Search, which reads several labels with one list, asks for what any of them stores.
 */
export const BASE_PROPERTIES: Readonly<Record<NodeLabel, readonly BaseProperty[]>> = {
  ...(Object.fromEntries(ATTACK_LABELS.map((label) => [label, ATTACK_BASE])) as Record<
    (typeof ATTACK_LABELS)[number],
    readonly BaseProperty[]
  >),
  D3fendTactic: ['name'],
  D3fendTechnique: ['id', 'name', 'deprecated'],
  Artifact: ['id', 'name'],
  SigmaRule: ['id'],
  AtomicTest: ['name'],
  Dataset: ['name'],
  TechniqueVersion: ATTACK_BASE,
  TacticVersion: ['id', 'name'],
  LogSource: [],
  CoverageClaim: ['name'],
};

/** Every relationship type the graph holds. */
export const REL_TYPES = [
  'IN_TACTIC',
  'SUBTECHNIQUE_OF',
  'REVOKED_BY',
  'MITIGATES',
  'USES',
  'ATTRIBUTED_TO',
  'DETECTS',
  'HAS_ANALYTIC',
  'PART_OF',
  'LOG_SOURCE',
  'TARGETS',
  'SUBCLASS_OF',
  'ACTS_ON',
  'COUNTERS',
  'FOR_TACTIC',
  'TESTS',
  'CLAIMS',
] as const;

export type RelType = (typeof REL_TYPES)[number];

/** Schema statements run before any write; each is idempotent (`IF NOT EXISTS`). */
export const SCHEMA_STATEMENTS: readonly string[] = [
  'CREATE CONSTRAINT attack_object_stix_id IF NOT EXISTS FOR (n:AttackObject) REQUIRE n.stixId IS UNIQUE',
  ...ATTACK_LABELS.map(
    (label) =>
      `CREATE CONSTRAINT ${label.toLowerCase()}_stix_id IF NOT EXISTS FOR (n:${label}) REQUIRE n.stixId IS UNIQUE`,
  ),
  ...ATTACK_LABELS.map((label) => `CREATE INDEX ${label.toLowerCase()}_id IF NOT EXISTS FOR (n:${label}) ON (n.id)`),
  'CREATE CONSTRAINT dataset_name IF NOT EXISTS FOR (n:Dataset) REQUIRE n.name IS UNIQUE',
  'CREATE CONSTRAINT d3fend_tactic_name IF NOT EXISTS FOR (n:D3fendTactic) REQUIRE n.name IS UNIQUE',
  'CREATE CONSTRAINT d3fend_technique_id IF NOT EXISTS FOR (n:D3fendTechnique) REQUIRE n.id IS UNIQUE',
  'CREATE CONSTRAINT artifact_iri IF NOT EXISTS FOR (n:Artifact) REQUIRE n.iri IS UNIQUE',
  'CREATE INDEX d3fend_technique_iri IF NOT EXISTS FOR (n:D3fendTechnique) ON (n.iri)',
  'CREATE INDEX artifact_id IF NOT EXISTS FOR (n:Artifact) ON (n.id)',
  'CREATE CONSTRAINT sigma_rule_uid IF NOT EXISTS FOR (n:SigmaRule) REQUIRE n.uid IS UNIQUE',
  'CREATE INDEX sigma_rule_id IF NOT EXISTS FOR (n:SigmaRule) ON (n.id)',
  'CREATE CONSTRAINT atomic_test_guid IF NOT EXISTS FOR (n:AtomicTest) REQUIRE n.guid IS UNIQUE',
  `CREATE FULLTEXT INDEX coverage_search IF NOT EXISTS
   FOR (n:Technique|Group|Software|Mitigation|Campaign|D3fendTechnique|Artifact|SigmaRule)
   ON EACH [n.id, n.name, n.title, n.aliases, n.synonyms, n.description]`,
  'CREATE INDEX technique_name IF NOT EXISTS FOR (n:Technique) ON (n.name)',
  'CREATE INDEX tactic_shortname IF NOT EXISTS FOR (n:Tactic) ON (n.shortname)',
  'CREATE CONSTRAINT technique_version_key IF NOT EXISTS FOR (n:TechniqueVersion) REQUIRE n.key IS UNIQUE',
  'CREATE INDEX technique_version_release IF NOT EXISTS FOR (n:TechniqueVersion) ON (n.release)',
  'CREATE CONSTRAINT tactic_version_key IF NOT EXISTS FOR (n:TacticVersion) REQUIRE n.key IS UNIQUE',
  'CREATE INDEX tactic_version_release IF NOT EXISTS FOR (n:TacticVersion) ON (n.release)',
  'CREATE CONSTRAINT log_source_key IF NOT EXISTS FOR (n:LogSource) REQUIRE n.key IS UNIQUE',
  'CREATE CONSTRAINT coverage_claim_name IF NOT EXISTS FOR (n:CoverageClaim) REQUIRE n.name IS UNIQUE',
];

/** Labels of the objects that come from the D3FEND ontology. */
export const D3FEND_LABELS = ['D3fendTactic', 'D3fendTechnique', 'Artifact'] as const satisfies readonly NodeLabel[];

/** Labels of the catalogues of ATT&CK releases kept for comparisons (src/seed/attack/release.ts). */
export const RELEASE_LABELS = ['TechniqueVersion', 'TacticVersion'] as const satisfies readonly NodeLabel[];

/** Labels of Sigma rules and Atomic Red Team tests. */
export const SIGMA_LABELS = ['SigmaRule'] as const satisfies readonly NodeLabel[];
export const ATOMIC_LABELS = ['AtomicTest'] as const satisfies readonly NodeLabel[];

/** The full-text index behind search, and the labels it covers. */
export const SEARCH_INDEX = 'coverage_search';
export const SEARCH_LABELS = [
  'Technique',
  'Group',
  'Software',
  'Mitigation',
  'Campaign',
  'D3fendTechnique',
  'Artifact',
  'SigmaRule',
] as const satisfies readonly NodeLabel[];

/** Whether a string is one of the graph's labels (for checks at module boundaries). */
export function isNodeLabel(value: string): value is NodeLabel {
  return Object.hasOwn(NODE_KEYS, value);
}
