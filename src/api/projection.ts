// Which stored properties a request reads: those its selected fields show and its resolvers need, nothing else.
import type { ApolloServerPlugin } from '@apollo/server';
import {
  type DocumentNode,
  type GraphQLSchema,
  isAbstractType,
  Kind,
  TypeInfo,
  visit,
  visitWithTypeInfo,
} from 'graphql';
import { TECHNIQUE_COVERAGE_FACTS } from '../graph/coverage-facts.js';
import { NODE_KEYS, type NodeLabel } from '../graph/model.js';

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
 * Read whatever a request selects, besides the label's key (NODE_KEYS: identity for loaders, relations and union
 * types): what identifies a node to a person, tells whether it is current (the filters that hide revoked and
 * deprecated objects), or names it (sorting, tactic lookups).
 */
export const BASE_PROPERTIES: readonly string[] = ['id', 'name', 'revoked', 'deprecated'];

/**
 * Fields whose resolver reads stored properties of other names than the field's own, by GraphQL type. Every other
 * field shows the property of its name (or none: relation fields). A stored property that no field shows (seed-time
 * data such as D3FEND's counter paths) is never read by the API.
 */
export const FIELD_PROPERTIES: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>> = {
  Technique: {
    // The coverage facts stored by the seed.
    coverage: TECHNIQUE_COVERAGE_FACTS,
  },
  SigmaRule: {
    logsource: ['product', 'category', 'service'],
    logsources: ['products', 'categories', 'services'],
    related: ['relatedIds', 'relatedTypes'],
    canFire: ['product', 'category', 'service'],
  },
  D3fendTechnique: { references: ['references', 'referenceUrls'], url: ['iri'] },
  Artifact: { url: ['iri'] },
};

/**
 * Fields whose resolver reads stored properties of the related nodes it returns or counts, beyond what the
 * selection on those nodes needs: `Type.field` -> label -> properties.
 */
export const RELATED_PROPERTIES: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>> = {
  'Tactic.techniques': { Technique: ['isSubtechnique'] },
  'Technique.countermeasures': { D3fendTechnique: ['tactic'] },
  'CoverageGap.countermeasures': { D3fendTechnique: ['tactic'] },
  'Technique.sigmaRules': {
    SigmaRule: ['source', 'folder', 'status', 'levelRank', 'product', 'category', 'service'],
  },
  'Technique.atomicTests': { AtomicTest: ['platforms'] },
  'Technique.score': {
    SigmaRule: ['title', 'status', 'level', 'relatedIds', 'relatedTypes'],
    D3fendTechnique: ['tactic'],
  },
};

/**
 * The relationship properties that resolvers read (a procedure's description, a log source's name and channel, an
 * artifact relation, revoked and deprecated marks, counter paths); the seed's own bookkeeping on edges (keys, scopes)
 * is never read by the API.
 */
export const EDGE_PROPERTIES: readonly string[] = [
  'description',
  'name',
  'channel',
  'relation',
  'revoked',
  'deprecated',
  'paths',
  // A coverage claim's entry (CLAIMS).
  'claims',
  'score',
  'comment',
  'tactics',
];

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

/** Field names an operation selects, by the GraphQL type they are selected on ('*' for interfaces and unions). */
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
        fields.add(node.name.value);
        byType.set(type, fields);
      },
    }),
  );
  return byType;
}

/**
 * For each node label, the stored properties its reads return: the base ones, those the fields selected on the
 * label's GraphQL type (or on an interface or union) show, and those that resolvers of selected fields read from
 * related nodes. GraphQL object types are named after the labels.
 */
export function keptByLabel(
  byType: ReadonlyMap<string, ReadonlySet<string>>,
  relationFields: ReadonlyMap<string, ReadonlySet<string>> = byType,
): Record<string, string[]> {
  const shared = byType.get('*') ?? new Set<string>();
  const keep: Record<string, string[]> = {};
  for (const label of Object.keys(NODE_KEYS) as NodeLabel[]) {
    const properties = new Set([...BASE_PROPERTIES, NODE_KEYS[label]]);
    for (const field of new Set([...(byType.get(label) ?? []), ...shared])) {
      properties.add(field);
      for (const property of FIELD_PROPERTIES[label]?.[field] ?? []) properties.add(property);
    }
    for (const [type, fields] of relationFields) {
      for (const field of fields) {
        for (const property of RELATED_PROPERTIES[`${type}.${field}`]?.[label] ?? []) properties.add(property);
      }
    }
    keep[label] = [...properties];
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
            fields.add(node.name.value);
            byType.set(type, fields);
            owned.set(owner.key, byType);
          }
          frames.push({ key: `${type}.${node.name.value}`, onLabel: labels.has(type) });
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
    const [frameType = '', frameField = ''] = frame.split('.');
    keep[frame] = keptByLabel(byType, new Map([[frameType, new Set([frameField])]]));
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
              keep: keptByLabel(byType),
              keepByField: keptByField(schema, document),
              keepEdge: keptEdgeProperties(byType),
            };
            computed.set(document, projection);
          }
          contextValue.projection.keep = projection.keep;
          contextValue.projection.keepByField = projection.keepByField;
          contextValue.projection.keepEdge = projection.keepEdge;
        },
      };
    },
  };
}
