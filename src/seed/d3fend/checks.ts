// Checks that a parsed ontology is whole: every class it uses is defined, every restriction is attached.
import { SourceError } from '../../errors.js';
import type { ParseWarning } from '../records.js';
import { D3F, localName, type OntologyIndex } from './ontology.js';

/**
 * Throws when a D3FEND class is used (as a superclass or a restriction's value) but never defined: the sign of a
 * file cut short at a statement boundary, which Turtle itself would accept.
 */
export function checkWhole(index: OntologyIndex, file: string): void {
  const defined = new Set([...index.literals.keys(), ...index.links.keys(), ...index.parents.keys()]);
  const used = new Set<string>();
  for (const parents of index.parents.values()) for (const parent of parents) used.add(parent);
  for (const restrictions of index.restrictions.values()) for (const r of restrictions) used.add(r.value);
  const missing = [...used].filter((iri) => iri.startsWith(D3F) && !defined.has(iri)).sort();
  if (missing.length > 0) {
    const first = missing[0] as string;
    const line = index.lineOf(first, false);
    throw new SourceError(
      file,
      line ? `line ${line}` : 'whole file',
      `${missing.length} classes are used but never defined (d3f:${localName(first)}` +
        `${missing.length > 1 ? ', …' : ''}): is the file truncated?`,
    );
  }
}

/** A warning for restrictions the parser found but could not attach to a class (an unread OWL construct). */
export function unattachedWarnings(index: OntologyIndex, file: string): ParseWarning[] {
  return index.unattachedRestrictions > 0
    ? [
        {
          file,
          where: 'whole file',
          reason: `${index.unattachedRestrictions} restrictions are not directly under rdfs:subClassOf and were not read`,
        },
      ]
    : [];
}
