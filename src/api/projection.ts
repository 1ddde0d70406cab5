// Which stored properties a request reads: those its selected fields show and its resolvers need, nothing else.
import type { ApolloServerPlugin } from '@apollo/server';
import {
  type DocumentNode,
  type FieldNode,
  type GraphQLSchema,
  getNamedType,
  isAbstractType,
  isLeafType,
  isObjectType,
  Kind,
  TypeInfo,
  visit,
  visitWithTypeInfo,
} from 'graphql';
import { TECHNIQUE_COVERAGE_COUNTS, TECHNIQUE_COVERAGE_FACTS } from '../graph/coverage-facts.js';
import { BASE_PROPERTIES, NODE_KEYS, type NodeLabel } from '../graph/model.js';
import { EDGE_PROPERTIES, RELATIONS, type RelationName } from '../graph/relations.js';

/**
 * What the reads of a request return: per node label, the stored properties the operation needs (a label not
 * listed: all of them, as before the operation is known); and the relationship properties (null: all of them).
 */
export interface Projection {
  keep: Record<string, string[]>;
  /**
   * Per relation field (`Type.field`) and label of the nodes it returns, the properties that field's own selection
   * needs: fewer than the label's when the label is selected elsewhere with more (a technique's description, not its
   * sub-techniques'). A field not listed reads the label's.
   */
  keepByField: Record<string, Record<string, string[]>>;
  keepEdge: string[] | null;
  /** The fields the operation selects, by type (fieldsByType); null until the operation is known. */
  selected: ReadonlyMap<string, ReadonlySet<string>> | null;
}

/** Whether the operation selects `field` of GraphQL type `type`; true while the operation is not known. */
export function selects(projection: Projection, type: string, field: string): boolean {
  return projection.selected === null || projection.selected.get(type)?.has(field) === true;
}

/** The properties reads of `label` return under `projection` (null: all of them), for relation field `field`. */
export function keepFor(projection: Projection, label: string, field?: string): string[] | null {
  return (field === undefined ? undefined : projection.keepByField[field]?.[label]) ?? projection.keep[label] ?? null;
}

/** The properties to return for reads that mix `labels` (search): every one that one of the labels needs. */
export function keepForAll(projection: Projection, labels: readonly string[]): string[] | null {
  const keeps = labels.map((label) => keepFor(projection, label));
  if (keeps.some((keep) => keep === null)) return null;
  return [...new Set(keeps.flatMap((keep) => keep ?? []))];
}

/**
 * Fields whose resolver reads stored properties of other names than the field's own, or whose object type is made
 * from the stored property of its name, by GraphQL type (`field(argument)`: more read when the argument is given). Every other field of scalar or enum type shows the property
 * of its name; every other field of object type reads none (relation and computed fields). A stored property that
 * no field shows (seed-time data such as D3FEND's counter paths) is never read by the API.
 */
export const FIELD_PROPERTIES: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>> = {
  Technique: {
    // The coverage facts stored by the seed: with no filter, their counts alone; a filter may need the facts of
    // each rule and test.
    coverage: TECHNIQUE_COVERAGE_COUNTS,
    'coverage(filter)': TECHNIQUE_COVERAGE_FACTS,
  },
  SigmaRule: {
    logsource: ['product', 'category', 'service'],
    logsources: ['products', 'categories', 'services'],
    related: ['relatedIds', 'relatedTypes'],
    canFire: ['product', 'category', 'service'],
  },
  // The tactic's name, written with the technique's IN_TACTIC edge: `tactic { name }` needs no read.
  D3fendTechnique: { references: ['references', 'referenceUrls'], url: ['iri'], tactic: ['tactic'] },
  Artifact: { url: ['iri'] },
  AtomicTest: { inputArguments: ['inputArguments'] },
  Dataset: { counts: ['counts'] },
};

/**
 * Fields whose resolver reads stored properties of the related nodes it returns or counts, beyond what the
 * selection on those nodes needs: `Type.field` -> label -> properties; `Type.field(argument)` when only an
 * operation that gives the field that argument needs them.
 */
export const RELATED_PROPERTIES: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>> = {
  'Tactic.techniques': { Technique: ['isSubtechnique'] },
  'Technique.countermeasures': { D3fendTechnique: ['tactic'] },
  'CoverageGap.countermeasures': { D3fendTechnique: ['tactic'] },
  // A rule filter, when the field is given one, is applied to the rules read.
  'Technique.sigmaRules(filter)': {
    SigmaRule: ['source', 'folder', 'status', 'levelRank', 'product', 'category', 'service'],
  },
  'Technique.atomicTests(platform)': { AtomicTest: ['platforms'] },
  'Technique.score': {
    SigmaRule: ['title', 'status', 'level', 'relatedIds', 'relatedTypes'],
    D3fendTechnique: ['tactic'],
  },
};

/**
 * Large relationship properties, each with the GraphQL fields (`Type.field`) that show it; read only when one of
 * them is selected.
 */
export const LAZY_EDGE_PROPERTIES: Readonly<Record<string, readonly string[]>> = {
  paths: ['Countermeasure.paths'],
  description: [
    'TechniqueEdge.description',
    'GroupEdge.description',
    'SoftwareEdge.description',
    'CampaignEdge.description',
    'MitigationEdge.description',
    'DataComponentEdge.description',
    'DetectionStrategyEdge.description',
  ],
};

/** A field's name, and `name(argument)` for each argument the operation gives it (see RELATED_PROPERTIES). */
const namesOf = (node: FieldNode) => [
  node.name.value,
  ...(node.arguments ?? []).map((argument) => `${node.name.value}(${argument.name.value})`),
];

/**
 * Field names an operation selects, by the GraphQL type they are selected on ('*' for interfaces and unions), with
 * `name(argument)` for the arguments given.
 */
export function fieldsByType(schema: GraphQLSchema, document: DocumentNode): Map<string, Set<string>> {
  const byType = new Map<string, Set<string>>();
  const typeInfo = new TypeInfo(schema);
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      [Kind.FIELD](node) {
        const parent = typeInfo.getParentType();
        const type = !parent || isAbstractType(parent) ? '*' : parent.name;
        const fields = byType.get(type) ?? new Set<string>();
        for (const name of namesOf(node)) fields.add(name);
        byType.set(type, fields);
      },
    }),
  );
  return byType;
}

/**
 * For each node label, the stored properties its reads return: the base ones its nodes store (BASE_PROPERTIES),
 * those the fields selected on the label's GraphQL type (or on an interface or union) show, and those that
 * resolvers of selected fields read from related nodes. GraphQL object types are named after the labels.
 */
export function keptByLabel(
  schema: GraphQLSchema,
  byType: ReadonlyMap<string, ReadonlySet<string>>,
  relationFields: ReadonlyMap<string, ReadonlySet<string>> = byType,
): Record<string, string[]> {
  const shared = byType.get('*') ?? new Set<string>();
  const keep: Record<string, string[]> = {};
  for (const label of Object.keys(NODE_KEYS) as NodeLabel[]) {
    const properties = new Set<string>([...BASE_PROPERTIES[label], NODE_KEYS[label]]);
    const type = schema.getType(label);
    const fields = isObjectType(type) ? type.getFields() : {};
    for (const field of new Set([...(byType.get(label) ?? []), ...shared])) {
      // A field of scalar or enum type shows the stored property of its name; relation and computed fields none.
      const shown = fields[field];
      if (shown && isLeafType(getNamedType(shown.type))) properties.add(field);
      for (const property of FIELD_PROPERTIES[label]?.[field] ?? []) properties.add(property);
    }
    for (const [type, fields] of relationFields) {
      for (const field of fields) {
        for (const property of RELATED_PROPERTIES[`${type}.${field}`]?.[label] ?? []) properties.add(property);
      }
    }
    // In one order whatever the order of the fields: reads write the names into their statements, and a
    // permutation of a selection must not cost Neo4j another plan.
    keep[label] = [...properties].sort();
  }
  return keep;
}

/**
 * For each field of the operation on a node label's type (the fields that may load related nodes), the properties
 * of each label that the selection under it needs: the fields selected on that label below it, up to the next such
 * field, with the properties FIELD_PROPERTIES and RELATED_PROPERTIES add. Empty when the document uses named
 * fragments (their fields are not under one field of the operation): every read then uses its label's properties.
 */
export function keptByField(schema: GraphQLSchema, document: DocumentNode): Record<string, Record<string, string[]>> {
  if (document.definitions.some((definition) => definition.kind === Kind.FRAGMENT_DEFINITION)) return {};
  const labels = new Set<string>(Object.keys(NODE_KEYS));
  const owned = new Map<string, Map<string, Set<string>>>();
  const frames: { key: string; onLabel: boolean }[] = [];
  // Per field of a label's type, its name and its `name(argument)`s over every place the operation selects it.
  const framed = new Map<string, Set<string>>();
  const typeInfo = new TypeInfo(schema);
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      [Kind.FIELD]: {
        enter(node) {
          const parent = typeInfo.getParentType();
          const type = !parent || isAbstractType(parent) ? '*' : parent.name;
          const owner = frames.findLast((frame) => frame.onLabel);
          if (owner && (type === '*' || labels.has(type))) {
            const byType = owned.get(owner.key) ?? new Map<string, Set<string>>();
            const fields = byType.get(type) ?? new Set<string>();
            for (const name of namesOf(node)) fields.add(name);
            byType.set(type, fields);
            owned.set(owner.key, byType);
          }
          const key = `${type}.${node.name.value}`;
          if (labels.has(type)) {
            const given = framed.get(key) ?? new Set<string>();
            for (const name of namesOf(node)) given.add(name);
            framed.set(key, given);
          }
          frames.push({ key, onLabel: labels.has(type) });
        },
        leave() {
          frames.pop();
        },
      },
    }),
  );
  const keep: Record<string, Record<string, string[]>> = {};
  for (const [frame, byType] of owned) {
    // RELATED_PROPERTIES of the field itself: what its resolver reads of the nodes it returns.
    const [frameType = ''] = frame.split('.');
    keep[frame] = keptByLabel(schema, byType, new Map([[frameType, framed.get(frame) ?? new Set()]]));
  }
  return keep;
}

/** The relationship properties that no selected field shows, which reads leave out. */
export function omittedEdgeProperties(byType: ReadonlyMap<string, ReadonlySet<string>>): string[] {
  const selected = (shownBy: string) => {
    const [type = '', field = ''] = shownBy.split('.');
    return byType.get(type)?.has(field) === true;
  };
  return Object.entries(LAZY_EDGE_PROPERTIES)
    .filter(([, shownBy]) => !shownBy.some(selected))
    .map(([property]) => property);
}

/** The relationship properties reads return: those resolvers read, but the large ones no selected field shows. */
export function keptEdgeProperties(byType: ReadonlyMap<string, ReadonlySet<string>>): string[] {
  const omitted = new Set(omittedEdgeProperties(byType));
  return EDGE_PROPERTIES.filter((property) => !omitted.has(property));
}

/**
 * The properties of relation `name`'s edges that reads return under `projection`: those its resolvers read (the
 * relation's `edge`) that the projection keeps; all of them when the operation is not known (null).
 */
export function keepEdgeFor(projection: Projection, name: RelationName): string[] | null {
  const kept = projection.keepEdge;
  return kept === null ? null : RELATIONS[name].edge.filter((property) => kept.includes(property));
}

/**
 * Sets `contextValue.projection` once the operation is known, before any resolver runs. Computed once per parsed
 * document: Apollo Server hands repeated queries the same document object.
 */
export function projectionPlugin<T extends { projection: Projection }>(): ApolloServerPlugin<T> {
  const computed = new WeakMap<DocumentNode, Projection>();
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, contextValue }) {
          let projection = computed.get(document);
          if (!projection) {
            const byType = fieldsByType(schema, document);
            projection = {
              keep: keptByLabel(schema, byType),
              keepByField: keptByField(schema, document),
              keepEdge: keptEdgeProperties(byType),
              selected: byType,
            };
            computed.set(document, projection);
          }
          contextValue.projection.keep = projection.keep;
          contextValue.projection.keepByField = projection.keepByField;
          contextValue.projection.keepEdge = projection.keepEdge;
          contextValue.projection.selected = projection.selected;
        },
      };
    },
  };
}
