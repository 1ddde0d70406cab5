// The fixed table of relationship traversals the API offers, each one batched query per level of a request.
import type { NodeLabel } from './model.js';

/** Cypher condition: none of the named intermediate nodes of a path is revoked or deprecated. */
const CURRENT = (...names: string[]) =>
  names.map((n) => `NOT coalesce(${n}.revoked, false) AND NOT coalesce(${n}.deprecated, false)`).join(' AND ');

/**
 * The relationship properties the API reads on an edge that comes from a STIX relationship object: its revoked and
 * deprecated marks (hidden unless asked) and, for relations that connection fields read, its description (a
 * procedure, shown by connection edges). List and single-valued fields show no description: STIX_MARKS.
 */
const STIX = ['revoked', 'deprecated', 'description'] as const;
const STIX_MARKS = ['revoked', 'deprecated'] as const;
/** A coverage claim's entry on its CLAIMS edge. */
const CLAIM = ['claims', 'score', 'comment', 'tactics'] as const;
/** A log source's name and channel on an analytic's LOG_SOURCE edge. */
const LOG_SOURCE = ['name', 'channel'] as const;

/**
 * Every traversal the API offers: from a parent label, a pattern that binds `p` (the parent), `c` (the related
 * node) and `r` (the relationship), the properties of `r` that resolvers read (`edge`: reads return no others, so
 * that the seed's bookkeeping on edges and properties an edge type never has cost nothing), and the order of the
 * results.
 */
export const RELATIONS = {
  techniqueTactics: { from: 'Technique', edge: [], pattern: '(p)-[r:IN_TACTIC]->(c:Tactic)', order: 'c.order, c.id' },
  techniqueParent: { from: 'Technique', edge: STIX_MARKS, pattern: '(p)-[r:SUBTECHNIQUE_OF]->(c:Technique)' },
  techniqueSubtechniques: { from: 'Technique', edge: STIX_MARKS, pattern: '(c:Technique)-[r:SUBTECHNIQUE_OF]->(p)' },
  techniqueMitigations: { from: 'Technique', edge: STIX_MARKS, pattern: '(c:Mitigation)-[r:MITIGATES]->(p)' },
  techniqueGroups: { from: 'Technique', edge: STIX, pattern: '(c:Group)-[r:USES]->(p)' },
  techniqueSoftware: { from: 'Technique', edge: STIX, pattern: '(c:Software)-[r:USES]->(p)' },
  techniqueCampaigns: { from: 'Technique', edge: STIX, pattern: '(c:Campaign)-[r:USES]->(p)' },
  techniqueDetectionStrategies: {
    from: 'Technique',
    edge: STIX_MARKS,
    pattern: '(c:DetectionStrategy)-[r:DETECTS]->(p)',
  },
  techniqueDataComponents: {
    from: 'Technique',
    edge: STIX_MARKS,
    pattern: '(c:DataComponent)-[r:DETECTS]->(p)',
    // ATT&CK v18: technique <- detection strategy -> analytic -> log source in a data component.
    alternative: `(p)<-[:DETECTS]-(ds:DetectionStrategy)-[:HAS_ANALYTIC]->(an:Analytic)-[r:LOG_SOURCE]->(c:DataComponent)
      WHERE ${CURRENT('ds', 'an')}`,
  },
  techniqueRevokedBy: { from: 'Technique', edge: STIX_MARKS, pattern: '(p)-[r:REVOKED_BY]->(c:Technique)' },
  techniqueClaims: { from: 'Technique', edge: CLAIM, pattern: '(c:CoverageClaim)-[r:CLAIMS]->(p)', order: 'c.name' },
  tacticTechniques: { from: 'Tactic', edge: [], pattern: '(c:Technique)-[r:IN_TACTIC]->(p)' },
  mitigationTechniques: { from: 'Mitigation', edge: STIX, pattern: '(p)-[r:MITIGATES]->(c:Technique)' },
  groupTechniques: { from: 'Group', edge: STIX, pattern: '(p)-[r:USES]->(c:Technique)' },
  groupSoftware: { from: 'Group', edge: STIX, pattern: '(p)-[r:USES]->(c:Software)' },
  groupCampaigns: { from: 'Group', edge: STIX, pattern: '(c:Campaign)-[r:ATTRIBUTED_TO]->(p)' },
  groupRevokedBy: { from: 'Group', edge: STIX_MARKS, pattern: '(p)-[r:REVOKED_BY]->(c:Group)' },
  softwareTechniques: { from: 'Software', edge: STIX, pattern: '(p)-[r:USES]->(c:Technique)' },
  softwareGroups: { from: 'Software', edge: STIX, pattern: '(c:Group)-[r:USES]->(p)' },
  softwareCampaigns: { from: 'Software', edge: STIX, pattern: '(c:Campaign)-[r:USES]->(p)' },
  softwareRevokedBy: { from: 'Software', edge: STIX_MARKS, pattern: '(p)-[r:REVOKED_BY]->(c:Software)' },
  campaignTechniques: { from: 'Campaign', edge: STIX, pattern: '(p)-[r:USES]->(c:Technique)' },
  campaignSoftware: { from: 'Campaign', edge: STIX, pattern: '(p)-[r:USES]->(c:Software)' },
  campaignGroups: { from: 'Campaign', edge: STIX_MARKS, pattern: '(p)-[r:ATTRIBUTED_TO]->(c:Group)' },
  dataSourceComponents: { from: 'DataSource', edge: [], pattern: '(c:DataComponent)-[r:PART_OF]->(p)' },
  dataComponentSource: { from: 'DataComponent', edge: [], pattern: '(p)-[r:PART_OF]->(c:DataSource)' },
  dataComponentTechniques: {
    from: 'DataComponent',
    edge: STIX,
    pattern: '(p)-[r:DETECTS]->(c:Technique)',
    alternative: `(p)<-[:LOG_SOURCE]-(an:Analytic)<-[:HAS_ANALYTIC]-(ds:DetectionStrategy)-[r:DETECTS]->(c:Technique)
      WHERE ${CURRENT('ds', 'an')}`,
  },
  dataComponentAnalytics: { from: 'DataComponent', edge: LOG_SOURCE, pattern: '(c:Analytic)-[r:LOG_SOURCE]->(p)' },
  detectionStrategyTechniques: {
    from: 'DetectionStrategy',
    edge: STIX_MARKS,
    pattern: '(p)-[r:DETECTS]->(c:Technique)',
  },
  detectionStrategyAnalytics: { from: 'DetectionStrategy', edge: [], pattern: '(p)-[r:HAS_ANALYTIC]->(c:Analytic)' },
  analyticLogSources: {
    from: 'Analytic',
    edge: LOG_SOURCE,
    pattern: '(p)-[r:LOG_SOURCE]->(c:DataComponent)',
    order: 'r.name, r.channel, c.id',
  },
  // In D3FEND tactic order (Model first; none last), then by name: the API needs no tactic list to order them.
  techniqueCountermeasures: {
    from: 'Technique',
    edge: ['paths'],
    pattern: '(c:D3fendTechnique)-[r:COUNTERS]->(p)',
    // The order stored with the technique; a graph seeded before it was stored reads the tactic's.
    order: 'coalesce(c.tacticOrder, head([(c)-[:IN_TACTIC]->(t:D3fendTactic) | t.order]), 1000), c.name',
  },
  techniqueArtifacts: {
    from: 'Technique',
    edge: ['relation'],
    pattern: '(p)-[r:ACTS_ON]->(c:Artifact)',
    order: 'r.relation, c.name',
  },
  d3fendTacticTechniques: {
    from: 'D3fendTactic',
    edge: [],
    pattern: '(c:D3fendTechnique)-[r:IN_TACTIC]->(p)',
    order: 'c.name',
  },
  d3fendTechniqueParent: { from: 'D3fendTechnique', edge: [], pattern: '(p)-[r:SUBCLASS_OF]->(c:D3fendTechnique)' },
  d3fendTechniqueChildren: {
    from: 'D3fendTechnique',
    edge: [],
    pattern: '(c:D3fendTechnique)-[r:SUBCLASS_OF]->(p)',
    order: 'c.name',
  },
  d3fendTechniqueArtifacts: {
    from: 'D3fendTechnique',
    edge: ['relation'],
    pattern: '(p)-[r:ACTS_ON]->(c:Artifact)',
    order: 'r.relation, c.name',
  },
  d3fendTechniqueCounters: { from: 'D3fendTechnique', edge: [], pattern: '(p)-[r:COUNTERS]->(c:Technique)' },
  artifactParents: { from: 'Artifact', edge: [], pattern: '(p)-[r:SUBCLASS_OF]->(c:Artifact)', order: 'c.name' },
  artifactChildren: { from: 'Artifact', edge: [], pattern: '(c:Artifact)-[r:SUBCLASS_OF]->(p)', order: 'c.name' },
  artifactAttackTechniques: {
    from: 'Artifact',
    edge: ['relation'],
    pattern: '(c:Technique)-[r:ACTS_ON]->(p)',
    order: 'c.id, r.relation',
  },
  artifactD3fendTechniques: {
    from: 'Artifact',
    edge: ['relation'],
    pattern: '(c:D3fendTechnique)-[r:ACTS_ON]->(p)',
    order: 'c.name, r.relation',
  },
  techniqueSigmaRules: {
    from: 'Technique',
    edge: [],
    pattern: '(c:SigmaRule)-[r:DETECTS]->(p)',
    order: 'c.title, c.uid',
  },
  techniqueAtomicTests: {
    from: 'Technique',
    edge: [],
    pattern: '(c:AtomicTest)-[r:TESTS]->(p)',
    order: 'c.number, c.guid',
  },
  sigmaRuleTechniques: { from: 'SigmaRule', edge: [], pattern: '(p)-[r:DETECTS]->(c:Technique)' },
  sigmaRuleTactics: { from: 'SigmaRule', edge: [], pattern: '(p)-[r:FOR_TACTIC]->(c:Tactic)', order: 'c.order' },
  atomicTestTechnique: { from: 'AtomicTest', edge: [], pattern: '(p)-[r:TESTS]->(c:Technique)' },
} as const satisfies Record<string, Relation>;

export type RelationName = keyof typeof RELATIONS;

/** One traversal of RELATIONS. */
export interface Relation {
  from: NodeLabel;
  pattern: string;
  edge: readonly string[];
  /**
   * Cypher ordering the related nodes `c` (by default `c.id`), which may use the edge `r`. Name `c`'s properties as
   * `c.name` only: reads rewrite them to the projection they sort by (relationBranch in read.ts).
   */
  order?: string;
  alternative?: string;
}

/** Every relationship property that some traversal reads. */
export const EDGE_PROPERTIES: readonly string[] = [
  ...new Set(Object.values(RELATIONS as Record<string, Relation>).flatMap((relation) => relation.edge)),
];

/** Each relation's target label, read from its pattern once (resolvers ask for it per field). */
const TARGET_LABELS = new Map(
  Object.entries(RELATIONS).map(([name, relation]) => {
    const label = /\(c:(\w+)\)/.exec(relation.pattern)?.[1];
    if (!label) throw new Error(`relation ${name} gives no label to c`);
    return [name, label as NodeLabel];
  }),
);

/** The label of the nodes a relation leads to: the label its pattern gives `c`. */
export const targetLabel = (name: RelationName): NodeLabel => TARGET_LABELS.get(name) as NodeLabel;
