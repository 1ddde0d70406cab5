// Which relation fields a lookup by id can read in its own statement: the fields selected under it, by relation.
import { type GraphQLResolveInfo, Kind, type SelectionSetNode } from 'graphql';
import type { RelationName } from '../graph/relations.js';

/**
 * Relation fields whose resolver reads exactly one relation of RELATIONS from its parent, through `loadRelated` with
 * the resolver's `info` (so that its loader key is `Type.field`): `Type.field` -> relation. A lookup whose selection
 * has some of them reads them with the node (readNodesWithRelated); a field listed here whose resolver reads another
 * relation would only cost a second statement, never change an answer.
 */
export const PREFETCHED: Readonly<Record<string, RelationName>> = {
  'Technique.tactics': 'techniqueTactics',
  'Technique.parent': 'techniqueParent',
  'Technique.subtechniques': 'techniqueSubtechniques',
  'Technique.mitigations': 'techniqueMitigations',
  'Technique.groups': 'techniqueGroups',
  'Technique.software': 'techniqueSoftware',
  'Technique.campaigns': 'techniqueCampaigns',
  'Technique.detectionStrategies': 'techniqueDetectionStrategies',
  'Technique.dataComponents': 'techniqueDataComponents',
  'Technique.revokedBy': 'techniqueRevokedBy',
  'Technique.countermeasures': 'techniqueCountermeasures',
  'Technique.sigmaRules': 'techniqueSigmaRules',
  'Technique.atomicTests': 'techniqueAtomicTests',
};

/** The selection sets of the fields named `name` in `selectionSets` (not through fragments). */
const under = (selectionSets: (SelectionSetNode | undefined)[], name: string) =>
  selectionSets.flatMap((set) =>
    (set?.selections ?? []).flatMap((s) => (s.kind === Kind.FIELD && s.name.value === name ? [s.selectionSet] : [])),
  );

/**
 * The relation fields of PREFETCHED that the field being resolved selects on its result of GraphQL type `type`;
 * with `connection`, on the nodes of the connection it returns (`nodes { … }` and `edges { node { … } }`).
 */
export function prefetchedUnder(
  info: GraphQLResolveInfo,
  type: string,
  connection = false,
): { name: RelationName; field: string }[] {
  const found = new Map<string, RelationName>();
  const visit = (selectionSet: SelectionSetNode | undefined, seen: Set<string>) => {
    for (const selection of selectionSet?.selections ?? []) {
      if (selection.kind === Kind.FIELD) {
        const field = `${type}.${selection.name.value}`;
        const name = PREFETCHED[field];
        if (name) found.set(field, name);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const on = selection.typeCondition?.name.value;
        if (on === undefined || on === type) visit(selection.selectionSet, seen);
      } else if (!seen.has(selection.name.value)) {
        const fragment = info.fragments[selection.name.value];
        if (fragment?.typeCondition.name.value === type) {
          visit(fragment.selectionSet, new Set([...seen, selection.name.value]));
        }
      }
    }
  };
  const fieldSets = info.fieldNodes.map((node) => node.selectionSet);
  const sets = connection ? [...under(fieldSets, 'nodes'), ...under(under(fieldSets, 'edges'), 'node')] : fieldSets;
  for (const set of sets) visit(set, new Set());
  return [...found].map(([field, name]) => ({ name, field }));
}
