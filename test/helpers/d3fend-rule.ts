// An independent, straightforward implementation of DESIGN.md's countermeasure rule over raw triples, for tests.
import { readFileSync } from 'node:fs';
import { Parser } from 'n3';

const D = 'http://d3fend.mitre.org/ontologies/d3fend.owl#';
const SUBCLASS = 'http://www.w3.org/2000/01/rdf-schema#subClassOf';
const ON = 'http://www.w3.org/2002/07/owl#onProperty';
const SOME = 'http://www.w3.org/2002/07/owl#someValuesFrom';

/** Expected countermeasures (D3FEND ids) per ATT&CK id, and facts to compare counts with. */
export function expectedCountermeasures(file: string) {
  const quads = new Parser().parse(readFileSync(file, 'utf8'));
  const parents = new Map<string, string[]>();
  const blankParts = new Map<string, { p?: string; v?: string }>();
  const blankOf: [string, string][] = [];
  const attackId = new Map<string, string>();
  const d3fendId = new Map<string, string>();
  for (const q of quads) {
    if (q.subject.termType === 'BlankNode') {
      const part = blankParts.get(q.subject.value) ?? {};
      if (q.predicate.value === ON) part.p = q.object.value;
      if (q.predicate.value === SOME && q.object.termType === 'NamedNode') part.v = q.object.value;
      blankParts.set(q.subject.value, part);
    } else if (q.predicate.value === SUBCLASS && q.object.termType === 'NamedNode') {
      parents.set(q.subject.value, [...(parents.get(q.subject.value) ?? []), q.object.value]);
    } else if (q.predicate.value === SUBCLASS) {
      blankOf.push([q.subject.value, q.object.value]);
    } else if (q.predicate.value === `${D}attack-id`) {
      attackId.set(q.subject.value, q.object.value);
    } else if (q.predicate.value === `${D}d3fend-id`) {
      d3fendId.set(q.subject.value, q.object.value);
    }
  }
  const restrictions = new Map<string, { p: string; v: string }[]>();
  for (const [cls, blank] of blankOf) {
    const { p, v } = blankParts.get(blank) ?? {};
    // Tactic links and datatypes are not artifacts.
    if (p && v && p !== `${D}enables` && p !== `${D}enabled-by` && !v.startsWith('http://www.w3.org/2001/XMLSchema#')) {
      restrictions.set(cls, [...(restrictions.get(cls) ?? []), { p, v }]);
    }
  }
  const up = (cls: string): Set<string> => {
    const all = new Set([cls]);
    for (const c of all) for (const parent of parents.get(c) ?? []) all.add(parent);
    return all;
  };
  const defensive = [...d3fendId.keys()].filter(
    (c) => c !== `${D}DefensiveTechnique` && up(c).has(`${D}DefensiveTechnique`),
  );
  const expected = new Map<string, Set<string>>();
  for (const [cls, id] of attackId) {
    const offensiveArtifacts = new Set<string>();
    for (const ancestor of up(cls)) for (const r of restrictions.get(ancestor) ?? []) offensiveArtifacts.add(r.v);
    const covered = new Set<string>();
    for (const artifact of offensiveArtifacts) for (const broader of up(artifact)) covered.add(broader);
    const found = expected.get(id) ?? new Set<string>();
    for (const d of defensive) {
      if ((restrictions.get(d) ?? []).some((r) => covered.has(r.v))) found.add(d3fendId.get(d) as string);
    }
    expected.set(id, found);
  }
  return {
    expected,
    defensiveIds: defensive.map((d) => d3fendId.get(d) as string),
    attackIds: new Set(attackId.values()),
  };
}
