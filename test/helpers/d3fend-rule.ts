// An independent, straightforward implementation of DESIGN.md's countermeasure rule over raw triples, for tests.
// Written from the rule's text, not from src/seed/d3fend: artifacts are :DigitalArtifact and its subclasses,
// relations are :may-be-associated-with and its subproperties (as in D3FEND's own mapping queries).
import { readFileSync } from 'node:fs';
import { Parser } from 'n3';

const D = 'http://d3fend.mitre.org/ontologies/d3fend.owl#';
const SUBCLASS = 'http://www.w3.org/2000/01/rdf-schema#subClassOf';
const SUBPROPERTY = 'http://www.w3.org/2000/01/rdf-schema#subPropertyOf';
const ON = 'http://www.w3.org/2002/07/owl#onProperty';
const SOME = 'http://www.w3.org/2002/07/owl#someValuesFrom';
const LABEL = 'http://www.w3.org/2000/01/rdf-schema#label';
const local = (iri: string) => iri.slice(iri.indexOf('#') + 1);

/**
 * Expected countermeasures per ATT&CK id: D3FEND id -> set of `via|offRel|offArt|defRel|defArt|offName|defName` paths
 * (the artifacts' names are their labels, or their local names where they have none).
 */
export function expectedCountermeasures(file: string) {
  const quads = new Parser().parse(readFileSync(file, 'utf8'));
  const superOf = new Map<string, string[]>();
  const superProperty = new Map<string, string[]>();
  const blanks = new Map<string, { p?: string; v?: string }>();
  const restrictionOf: [string, string][] = [];
  const attackId = new Map<string, string>();
  const d3fendId = new Map<string, string>();
  const labelOf = new Map<string, string>();
  const append = (map: Map<string, string[]>, key: string, value: string) =>
    map.set(key, [...(map.get(key) ?? []), value]);
  for (const { subject, predicate, object } of quads) {
    if (subject.termType === 'BlankNode') {
      const b = blanks.get(subject.value) ?? {};
      if (predicate.value === ON) b.p = object.value;
      if (predicate.value === SOME) b.v = object.value;
      blanks.set(subject.value, b);
    } else if (predicate.value === SUBCLASS) {
      if (object.termType === 'NamedNode') append(superOf, subject.value, object.value);
      else restrictionOf.push([subject.value, object.value]);
    } else if (predicate.value === SUBPROPERTY) {
      append(superProperty, subject.value, object.value);
    } else if (predicate.value === `${D}attack-id`) {
      attackId.set(subject.value, object.value);
    } else if (predicate.value === `${D}d3fend-id`) {
      d3fendId.set(subject.value, object.value);
    } else if (predicate.value === LABEL && !labelOf.has(subject.value)) {
      labelOf.set(subject.value, object.value);
    }
  }
  const closure = (map: Map<string, string[]>, start: string) => {
    const all = [start];
    for (let i = 0; i < all.length; i++)
      for (const next of map.get(all[i] as string) ?? []) if (!all.includes(next)) all.push(next);
    return all;
  };
  const isArtifact = (cls: string) =>
    closure(superOf, cls).includes(`${D}DigitalArtifact`) && !attackId.has(cls) && !d3fendId.has(cls);
  const isRelation = (property: string) => closure(superProperty, property).includes(`${D}may-be-associated-with`);
  const actsOn = new Map<string, { p: string; v: string }[]>();
  for (const [cls, blank] of restrictionOf) {
    const { p, v } = blanks.get(blank) ?? {};
    if (p && v && isRelation(p) && isArtifact(v)) actsOn.set(cls, [...(actsOn.get(cls) ?? []), { p, v }]);
  }
  const defensive = [...d3fendId.keys()].filter(
    (c) => c !== `${D}DefensiveTechnique` && closure(superOf, c).includes(`${D}DefensiveTechnique`),
  );
  const expected = new Map<string, Map<string, Set<string>>>();
  for (const [cls, id] of attackId) {
    const byDefender = expected.get(id) ?? new Map<string, Set<string>>();
    for (const via of closure(superOf, cls)) {
      for (const offensive of actsOn.get(via) ?? []) {
        for (const artifact of closure(superOf, offensive.v)) {
          for (const d of defensive) {
            for (const defended of actsOn.get(d) ?? []) {
              if (defended.v !== artifact) continue;
              const path = [
                attackId.get(via) ?? local(via),
                local(offensive.p),
                local(offensive.v),
                local(defended.p),
                local(artifact),
                labelOf.get(offensive.v) ?? local(offensive.v),
                labelOf.get(artifact) ?? local(artifact),
              ];
              const paths = byDefender.get(d3fendId.get(d) as string) ?? new Set<string>();
              paths.add(path.join('|'));
              byDefender.set(d3fendId.get(d) as string, paths);
            }
          }
        }
      }
    }
    expected.set(id, byDefender);
  }
  /** Expected countermeasures per ATT&CK id, by IRI local name (as report links show them). */
  const expectedLocalNames = (attackIdWanted: string) => {
    const ids = new Set(expected.get(attackIdWanted)?.keys() ?? []);
    return [...d3fendId].filter(([, id]) => ids.has(id)).map(([cls]) => local(cls));
  };
  /** The tactic (label) a D3FEND technique enables, found on it or its nearest ancestor that says. */
  const restrictions = new Map<string, { p?: string; v?: string }[]>();
  for (const [cls, blank] of restrictionOf)
    restrictions.set(cls, [...(restrictions.get(cls) ?? []), blanks.get(blank) ?? {}]);
  const tacticOf = (d3fendIdWanted: string) => {
    const cls = [...d3fendId].find(([, id]) => id === d3fendIdWanted)?.[0];
    for (const up of cls ? closure(superOf, cls) : []) {
      const tactic = (restrictions.get(up) ?? []).find((r) => r.p === `${D}enables`)?.v;
      if (tactic) return labelOf.get(tactic) ?? local(tactic);
    }
    return null;
  };
  /** Local names of the direct named subclasses of a class. */
  const childrenOf = (name: string) =>
    [...superOf].filter(([, parents]) => parents.includes(`${D}${name}`)).map(([child]) => local(child));
  return {
    expected,
    defensiveIds: defensive.map((d) => d3fendId.get(d) as string),
    attackIds: new Set(attackId.values()),
    childrenOf,
    expectedLocalNames,
    tacticOf,
  };
}
