// Pure parser: the D3FEND ontology (Turtle) -> tactics, defensive techniques, artifacts and countermeasure records.
import { createHash } from 'node:crypto';
import { SourceError } from '../../errors.js';
import type { EdgeRecord, NodeRecord, ParseWarning, SourceRecords } from '../records.js';
import { decodeUtf8 } from '../text.js';
import { checkWhole, unattachedWarnings } from './checks.js';
import { D3F, indexOntology, links, literal, literals, localName, type OntologyIndex, PREDICATES } from './ontology.js';
import {
  artifactRestrictions,
  artifactVocabulary,
  defensiveTactics,
  defensiveTechniques,
  inferCountermeasures,
  tacticOf,
} from './rule.js';

/** The scope (and Dataset name) of D3FEND data in the graph. */
export const D3FEND_SCOPE = 'd3fend';

/** Parses the D3FEND ontology. Throws SourceError (file, line, reason) on input that is not a D3FEND ontology. */
export function parseD3fend(bytes: Buffer | string, file: string): SourceRecords {
  const text = decodeUtf8(bytes, file);
  const index = indexOntology(text, file);
  const techniques = defensiveTechniques(index);
  const tactics = defensiveTactics(index);
  if (techniques.length === 0 || tactics.length === 0) {
    throw new SourceError(
      file,
      'whole file',
      'no D3FEND defensive techniques or tactics found: is this the D3FEND ontology?',
    );
  }
  checkWhole(index, file);
  const warnings: ParseWarning[] = unattachedWarnings(index, file);
  const vocabulary = artifactVocabulary(index);
  const where = (iri: string) => {
    const line = index.lineOf(iri);
    return line ? `line ${line} (d3f:${localName(iri)})` : `d3f:${localName(iri)}`;
  };
  const idOf = new Map<string, string>();
  for (const technique of techniques) {
    const id = literal(index, technique, PREDICATES.d3fendId) as string;
    if (!literal(index, technique, PREDICATES.label)) {
      throw new SourceError(file, where(technique), `defensive technique ${id} has no rdfs:label`);
    }
    if ([...idOf.values()].includes(id)) {
      warnings.push({ file, where: where(technique), reason: `d3fend-id ${id} is used twice; this class is left out` });
    } else {
      idOf.set(technique, id);
    }
  }

  const tacticSet = new Set(tactics);
  const nodes: NodeRecord[] = tactics.map((tactic) => ({
    label: 'D3fendTactic',
    key: label(index, tactic),
    props: {
      name: label(index, tactic),
      iri: tactic,
      definition: literal(index, tactic, PREDICATES.definition),
      order: numberOrNull(literal(index, tactic, PREDICATES.displayOrder)),
    },
  }));
  const edges: EdgeRecord[] = [];
  const countermeasures = inferCountermeasures(index, vocabulary, [...idOf.keys()]);
  // The artifacts' names ride along in each path, so that a path's `{ id name }` needs no artifact read.
  const artifactName = new Map([...vocabulary.artifacts].map((iri) => [localName(iri), label(index, iri)]));
  const countersOf = new Map<string, { attackIds: string[]; paths: string[] }>();
  for (const [attackId, byTechnique] of [...countermeasures].sort(([a], [b]) => a.localeCompare(b))) {
    for (const [technique, paths] of byTechnique) {
      const entry = countersOf.get(technique) ?? { attackIds: [], paths: [] };
      entry.attackIds.push(attackId);
      entry.paths.push(
        paths
          .map((p) =>
            [
              ...[p.via, p.offensiveRelation, p.offensiveArtifact, p.defensiveRelation, p.defensiveArtifact],
              artifactName.get(p.offensiveArtifact) ?? p.offensiveArtifact,
              artifactName.get(p.defensiveArtifact) ?? p.defensiveArtifact,
            ].join('|'),
          )
          .join(';'),
      );
      countersOf.set(technique, entry);
    }
  }

  for (const [technique, id] of idOf) {
    const tactic = tacticOf(index, technique, tacticSet);
    if (!tactic) throw new SourceError(file, where(technique), `no class at or above ${id} enables a D3FEND tactic`);
    const references = links(index, technique, PREDICATES.kbReference);
    nodes.push({
      label: 'D3fendTechnique',
      key: id,
      props: {
        id,
        iri: technique,
        name: label(index, technique),
        definition: literal(index, technique, PREDICATES.definition),
        synonyms: [
          ...literals(index, technique, PREDICATES.synonym),
          ...literals(index, technique, PREDICATES.altLabel),
        ],
        kbArticle: literal(index, technique, `${D3F}kb-article`),
        references: references.map((r) => literal(index, r, PREDICATES.kbReferenceTitle) ?? label(index, r)),
        referenceUrls: references.map((r) => literal(index, r, PREDICATES.hasLink) ?? ''),
        tactic: tactic ? label(index, tactic) : null,
        // The tactic's display order, so that countermeasures sort in tactic order without reading the tactic.
        tacticOrder: tactic ? numberOrNull(literal(index, tactic, PREDICATES.displayOrder)) : null,
        deprecated: literal(index, technique, PREDICATES.deprecated) === 'true',
        counters: countersOf.get(technique)?.attackIds ?? [],
        counterPaths: countersOf.get(technique)?.paths ?? [],
      },
    });
    if (tactic) edges.push(edge('IN_TACTIC', 'D3fendTechnique', id, 'D3fendTactic', label(index, tactic)));
    for (const parent of nearestAbove(index, technique, idOf)) {
      edges.push(edge('SUBCLASS_OF', 'D3fendTechnique', id, 'D3fendTechnique', idOf.get(parent) as string));
    }
  }

  const artifacts = vocabulary.artifacts;
  const actors = new Map<string, { attackIds: string[]; relations: string[] }>();
  const attackIds = new Set<string>();
  for (const [cls, byPredicate] of index.literals) {
    const attackId = byPredicate.get(PREDICATES.attackId)?.[0];
    if (!attackId) continue;
    attackIds.add(attackId);
    for (const { property, value } of artifactRestrictions(index, vocabulary, cls)) {
      const entry = actors.get(value) ?? { attackIds: [], relations: [] };
      entry.attackIds.push(attackId);
      entry.relations.push(localName(property));
      actors.set(value, entry);
    }
  }
  for (const artifact of artifacts) {
    nodes.push({
      label: 'Artifact',
      key: artifact,
      props: {
        iri: artifact,
        id: localName(artifact),
        name: label(index, artifact),
        definition: literal(index, artifact, PREDICATES.definition),
        synonyms: [...literals(index, artifact, PREDICATES.synonym), ...literals(index, artifact, PREDICATES.altLabel)],
        attackIds: actors.get(artifact)?.attackIds ?? [],
        attackRelations: actors.get(artifact)?.relations ?? [],
      },
    });
    for (const parent of index.parents.get(artifact) ?? []) {
      if (artifacts.has(parent)) edges.push(edge('SUBCLASS_OF', 'Artifact', artifact, 'Artifact', parent));
    }
  }
  for (const [technique, id] of idOf) {
    for (const { property, value } of artifactRestrictions(index, vocabulary, technique)) {
      const relation = localName(property);
      edges.push({ ...edge('ACTS_ON', 'D3fendTechnique', id, 'Artifact', value, `#${relation}`), props: { relation } });
    }
  }

  return {
    scope: D3FEND_SCOPE,
    nodes,
    edges,
    warnings,
    dataset: {
      source: 'd3fend',
      name: D3FEND_SCOPE,
      version: null,
      location: file,
      modified: null,
      sha256: createHash('sha256').update(text).digest('hex'),
      // Every ATT&CK id the ontology names, so that the link step can report those not loaded.
      extra: { attackIds: [...attackIds].sort() },
    },
  };
}

function edge(
  type: EdgeRecord['type'],
  fromLabel: EdgeRecord['from']['label'],
  from: string,
  toLabel: EdgeRecord['to']['label'],
  to: string,
  extra = '',
): EdgeRecord {
  return {
    type,
    from: { label: fromLabel, key: from },
    to: { label: toLabel, key: to },
    key: `${type}:${from}->${to}${extra}`,
    props: {},
  };
}

function label(index: OntologyIndex, iri: string): string {
  return literal(index, iri, PREDICATES.label) ?? localName(iri);
}

function numberOrNull(value: string | null): number | null {
  return value === null || Number.isNaN(Number(value)) ? null : Number(value);
}

/** The nearest classes above `cls` that are in `wanted`, along every parent chain. */
function nearestAbove(index: OntologyIndex, cls: string, wanted: Map<string, string>): Set<string> {
  const found = new Set<string>();
  const seen = new Set<string>([cls]);
  const queue = [...(index.parents.get(cls) ?? [])];
  while (queue.length > 0) {
    const next = queue.shift() as string;
    if (seen.has(next)) continue;
    seen.add(next);
    if (wanted.has(next)) found.add(next);
    else queue.push(...(index.parents.get(next) ?? []));
  }
  return found;
}
