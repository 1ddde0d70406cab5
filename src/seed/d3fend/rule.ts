// The D3FEND inference rule of DESIGN.md: which defensive techniques counter an ATT&CK technique, and why.
import {
  ancestorsOrSelf,
  D3F,
  descendants,
  links,
  literal,
  localName,
  type OntologyIndex,
  PREDICATES,
  type Restriction,
} from './ontology.js';

/** Why a countermeasure applies: the offensive technique acts on an artifact that the defensive one acts on. */
export interface CounterPath {
  /** The ATT&CK class that asserts the offensive restriction: the technique itself or an ancestor (inheritance). */
  via: string;
  offensiveRelation: string;
  offensiveArtifact: string;
  defensiveRelation: string;
  /** The offensive artifact itself, or a broader artifact that contains it. */
  defensiveArtifact: string;
}

/**
 * What counts as acting on an artifact, as in D3FEND's own mapping queries: a restriction whose property is
 * `:may-be-associated-with` or below it, on a class that is `:DigitalArtifact` or below it. This leaves out tactic
 * links (`:enables`), events, agents and datatypes.
 */
export interface ArtifactVocabulary {
  artifacts: Set<string>;
  associative: Set<string>;
}

/** The digital artifacts and the associative properties of an ontology. */
export function artifactVocabulary(index: OntologyIndex): ArtifactVocabulary {
  const artifacts = descendants(index, `${D3F}DigitalArtifact`);
  artifacts.add(`${D3F}DigitalArtifact`);
  for (const cls of artifacts) {
    // A technique is never an artifact, whatever the hierarchy says.
    if (literal(index, cls, PREDICATES.attackId) || literal(index, cls, PREDICATES.d3fendId)) artifacts.delete(cls);
  }
  const root = `${D3F}may-be-associated-with`;
  const associative = new Set<string>();
  for (const [property, byPredicate] of index.links) {
    if (!byPredicate.has(PREDICATES.subPropertyOf)) continue;
    const seen = new Set([property]);
    for (const p of seen) for (const parent of links(index, p, PREDICATES.subPropertyOf)) seen.add(parent);
    if (seen.has(root)) associative.add(property);
  }
  associative.add(root);
  return { artifacts, associative };
}

/** Restrictions asserted directly on a class that say it acts on a digital artifact. */
export function artifactRestrictions(index: OntologyIndex, vocabulary: ArtifactVocabulary, cls: string): Restriction[] {
  return (index.restrictions.get(cls) ?? []).filter(
    (r) => vocabulary.associative.has(r.property) && vocabulary.artifacts.has(r.value),
  );
}

/** Countermeasures: classes with a d3fend-id that descend from :DefensiveTechnique (not D3A analytics and such). */
export function defensiveTechniques(index: OntologyIndex): string[] {
  return [...descendants(index, `${D3F}DefensiveTechnique`)].filter((c) => literal(index, c, PREDICATES.d3fendId));
}

/** D3FEND tactics: the direct subclasses of :DefensiveTactic. */
export function defensiveTactics(index: OntologyIndex): string[] {
  return [...index.parents].filter(([, parents]) => parents.has(`${D3F}DefensiveTactic`)).map(([cls]) => cls);
}

/**
 * The tactic of a defensive technique: the nearest class at or above it that `:enables` a tactic, whether the
 * ontology says so as a class restriction or as a direct triple on the punned individual. Null when none does.
 */
export function tacticOf(index: OntologyIndex, technique: string, tactics: Set<string>): string | null {
  for (const cls of ancestorsOrSelf(index, technique)) {
    const enabled = [
      ...(index.restrictions.get(cls) ?? []).filter((r) => r.property === PREDICATES.enables).map((r) => r.value),
      ...links(index, cls, PREDICATES.enables),
    ].find((t) => tactics.has(t));
    if (enabled) return enabled;
  }
  return null;
}

/**
 * For each ATT&CK id in the ontology, its countermeasures (by defensive technique IRI) with every path that
 * justifies each. Offensive artifacts are inherited from named ancestors of the ATT&CK class; a defensive artifact
 * matches an offensive artifact or any of its named ancestors.
 */
export function inferCountermeasures(
  index: OntologyIndex,
  vocabulary: ArtifactVocabulary,
  countermeasures: string[],
): Map<string, Map<string, CounterPath[]>> {
  const defendersOf = new Map<string, { technique: string; relation: string }[]>();
  for (const technique of countermeasures) {
    for (const { property, value } of artifactRestrictions(index, vocabulary, technique)) {
      defendersOf.set(value, [...(defendersOf.get(value) ?? []), { technique, relation: property }]);
    }
  }
  const result = new Map<string, Map<string, CounterPath[]>>();
  for (const [cls, byPredicate] of index.literals) {
    const attackId = byPredicate.get(PREDICATES.attackId)?.[0];
    if (!attackId) continue;
    const found = new Map<string, Map<string, CounterPath>>();
    for (const via of ancestorsOrSelf(index, cls)) {
      for (const offensive of artifactRestrictions(index, vocabulary, via)) {
        for (const artifact of ancestorsOrSelf(index, offensive.value)) {
          for (const defender of defendersOf.get(artifact) ?? []) {
            const path: CounterPath = {
              via: literal(index, via, PREDICATES.attackId) ?? localName(via),
              offensiveRelation: localName(offensive.property),
              offensiveArtifact: localName(offensive.value),
              defensiveRelation: localName(defender.relation),
              defensiveArtifact: localName(artifact),
            };
            const paths = found.get(defender.technique) ?? new Map<string, CounterPath>();
            paths.set(Object.values(path).join('|'), path);
            found.set(defender.technique, paths);
          }
        }
      }
    }
    const merged = result.get(attackId) ?? new Map<string, CounterPath[]>();
    for (const [technique, paths] of found)
      merged.set(technique, [...(merged.get(technique) ?? []), ...paths.values()]);
    result.set(attackId, merged);
  }
  return result;
}
