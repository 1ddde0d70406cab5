// Reading the D3FEND ontology (Turtle) with a real RDF parser into an index of classes, restrictions and literals.
import { Parser, type Quad } from 'n3';
import { SourceError } from '../../errors.js';

/** The D3FEND namespace. */
export const D3F = 'http://d3fend.mitre.org/ontologies/d3fend.owl#';
const RDF = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#';
const RDFS = 'http://www.w3.org/2000/01/rdf-schema#';
const OWL = 'http://www.w3.org/2002/07/owl#';
const SKOS = 'http://www.w3.org/2004/02/skos/core#';

/** One `[owl:onProperty P; owl:someValuesFrom C]` restriction asserted on a class. */
export interface Restriction {
  property: string;
  value: string;
}

/**
 * What the D3FEND parts of the parser read from the triples. Every class is also an individual with the same IRI
 * in D3FEND ("punning"), and one class may be spread over several Turtle blocks: the index merges them.
 */
export interface OntologyIndex {
  /** Named direct superclasses of each class (rdfs:subClassOf to an IRI). */
  parents: Map<string, Set<string>>;
  /** someValuesFrom restrictions asserted directly on each class. */
  restrictions: Map<string, Restriction[]>;
  /** Literal values by subject and predicate IRI, in document order. */
  literals: Map<string, Map<string, string[]>>;
  /** IRI-valued triples by subject and predicate IRI that are not rdfs:subClassOf (e.g. `:enables`, `:kb-reference`). */
  links: Map<string, Map<string, string[]>>;
  /** Restriction blank nodes that no rdfs:subClassOf points at (in owl:equivalentClass, intersections, …). */
  unattachedRestrictions: number;
  /** The 1-based line where a class is defined (or, with `asSubject` false, first named), for error messages. */
  lineOf(iri: string, asSubject?: boolean): number | null;
}

/** Parses Turtle text into an OntologyIndex; throws SourceError with the line and reason on a syntax error. */
export function indexOntology(text: string, file: string): OntologyIndex {
  let quads: Quad[];
  const prefixes = new Map<string, string>();
  try {
    quads = new Parser().parse(text, null, (prefix, iri) => {
      prefixes.set(prefix, typeof iri === 'string' ? iri : iri.value);
    });
  } catch (error) {
    const message = (error as Error).message;
    const line = (error as { context?: { line?: number } }).context?.line;
    throw new SourceError(
      file,
      line ? `line ${line}` : 'start',
      `not valid Turtle: ${message.replace(/ on line \d+\.$/, '')}`,
    );
  }
  const blank = new Map<string, Partial<Restriction>>();
  const subclassBlanks: [string, string][] = [];
  const index: OntologyIndex = {
    parents: new Map(),
    restrictions: new Map(),
    literals: new Map(),
    links: new Map(),
    unattachedRestrictions: 0,
    lineOf: (iri, asSubject = true) => lineOf(text, iri, prefixes, asSubject),
  };
  for (const { subject, predicate, object } of quads) {
    const s = subject.value;
    const p = predicate.value;
    if (subject.termType === 'BlankNode') {
      const restriction = blank.get(s) ?? {};
      if (p === `${OWL}onProperty` && object.termType === 'NamedNode') restriction.property = object.value;
      if (p === `${OWL}someValuesFrom` && object.termType === 'NamedNode') restriction.value = object.value;
      blank.set(s, restriction);
      continue;
    }
    if (p === `${RDFS}subClassOf`) {
      if (object.termType === 'NamedNode') add(index.parents, s, object.value);
      else if (object.termType === 'BlankNode') subclassBlanks.push([s, object.value]);
    } else if (object.termType === 'Literal') {
      push(index.literals, s, p, object.value);
    } else if (object.termType === 'NamedNode') {
      push(index.links, s, p, object.value);
    }
  }
  const attached = new Set<string>();
  for (const [cls, node] of subclassBlanks) {
    const { property, value } = blank.get(node) ?? {};
    if (property && value) {
      attached.add(node);
      const list = index.restrictions.get(cls) ?? [];
      list.push({ property, value });
      index.restrictions.set(cls, list);
    }
  }
  index.unattachedRestrictions = [...blank].filter(([node, r]) => r.property && r.value && !attached.has(node)).length;
  return index;
}

/** The first literal of `predicate` on `iri`, or null. */
export function literal(index: OntologyIndex, iri: string, predicate: string): string | null {
  return index.literals.get(iri)?.get(predicate)?.[0] ?? null;
}

/** Every literal of `predicate` on `iri`. */
export function literals(index: OntologyIndex, iri: string, predicate: string): string[] {
  return index.literals.get(iri)?.get(predicate) ?? [];
}

/** Every IRI object of `predicate` on `iri`. */
export function links(index: OntologyIndex, iri: string, predicate: string): string[] {
  return index.links.get(iri)?.get(predicate) ?? [];
}

/** `iri` and every named class above it (transitive rdfs:subClassOf), nearest first, each once. */
export function ancestorsOrSelf(index: OntologyIndex, iri: string): string[] {
  const seen = new Set([iri]);
  const order = [iri];
  for (let i = 0; i < order.length; i++) {
    for (const parent of index.parents.get(order[i] as string) ?? []) {
      if (!seen.has(parent)) {
        seen.add(parent);
        order.push(parent);
      }
    }
  }
  return order;
}

/** Every class below `root` (transitive), without `root`. */
export function descendants(index: OntologyIndex, root: string): Set<string> {
  const children = new Map<string, string[]>();
  for (const [child, parents] of index.parents) {
    for (const parent of parents) children.set(parent, [...(children.get(parent) ?? []), child]);
  }
  const found = new Set<string>();
  const queue = [root];
  while (queue.length > 0) {
    for (const child of children.get(queue.pop() as string) ?? []) {
      if (!found.has(child)) {
        found.add(child);
        queue.push(child);
      }
    }
  }
  return found;
}

/** The local name of a D3FEND IRI (`…d3fend.owl#AccessToken` -> `AccessToken`). */
export function localName(iri: string): string {
  return iri.startsWith(D3F)
    ? iri.slice(D3F.length)
    : iri.slice(Math.max(iri.lastIndexOf('#'), iri.lastIndexOf('/')) + 1);
}

/** The predicates the D3FEND parser reads, by name. */
export const PREDICATES = {
  label: `${RDFS}label`,
  type: `${RDF}type`,
  altLabel: `${SKOS}altLabel`,
  deprecated: `${OWL}deprecated`,
  d3fendId: `${D3F}d3fend-id`,
  attackId: `${D3F}attack-id`,
  definition: `${D3F}definition`,
  synonym: `${D3F}synonym`,
  kbReference: `${D3F}kb-reference`,
  kbReferenceTitle: `${D3F}kb-reference-title`,
  hasLink: `${D3F}has-link`,
  enables: `${D3F}enables`,
  subPropertyOf: `${RDFS}subPropertyOf`,
  displayOrder: `${D3F}display-order`,
} as const;

function add(map: Map<string, Set<string>>, key: string, value: string): void {
  const set = map.get(key);
  if (set) set.add(value);
  else map.set(key, new Set([value]));
}

function push(map: Map<string, Map<string, string[]>>, subject: string, predicate: string, value: string): void {
  let byPredicate = map.get(subject);
  if (!byPredicate) {
    byPredicate = new Map();
    map.set(subject, byPredicate);
  }
  const list = byPredicate.get(predicate);
  if (list) list.push(value);
  else byPredicate.set(predicate, [value]);
}

/** The line of `iri` written with any declared prefix (`:X`, `d3f:X`) or in full (`<iri>`). */
function lineOf(text: string, iri: string, prefixes: Map<string, string>, asSubject: boolean): number | null {
  const quote = (value: string) => value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const names = [`<${quote(iri)}>`];
  for (const [prefix, namespace] of prefixes) {
    if (iri.startsWith(namespace)) names.push(`${quote(prefix)}:${quote(iri.slice(namespace.length))}`);
  }
  // A name ends at white space or punctuation; a dot ends it only when the statement ends (`:T1550` ≠ `:T1550.001`).
  const pattern = `${asSubject ? '^' : '(?:^|[\\s,;\\[])'}(?:${names.join('|')})(?=[\\s,;\\]]|\\.(?:\\s|$))`;
  const at = text.search(new RegExp(pattern, 'm'));
  return at < 0 ? null : text.slice(0, at).split('\n').length + (asSubject || text[at] !== '\n' ? 0 : 1);
}
