// Which stored properties a request can show: large text properties are read only when an operation asks for them.
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
import { NODE_KEYS } from '../graph/model.js';

/** What reads of a request leave out: per node label, the lazy properties no selected field shows. */
export interface Projection {
  omit: Record<string, string[]>;
}

/** The lazy properties reads of `label` may leave out under `projection` (none before the operation is known). */
export function omitFor(projection: Projection, label: string): string[] {
  return projection.omit[label] ?? [];
}

/** The lazy properties that reads of every one of `labels` may leave out (for reads that mix labels). */
export function omitForAll(projection: Projection, labels: readonly string[]): string[] {
  const [first, ...rest] = labels.map((label) => omitFor(projection, label));
  return (first ?? []).filter((property) => rest.every((omit) => omit.includes(property)));
}

/**
 * Large or internal node properties, each with the GraphQL fields that show it. A request reads such a property only
 * when the operation selects one of its fields on the node's type; an empty list means no field shows it (seed-time data).
 * Every other property is always read.
 */
export const LAZY_PROPERTIES: Readonly<Record<string, readonly string[]>> = {
  description: ['description'],
  detection: ['detection'],
  yaml: ['yaml'],
  references: ['references'],
  referenceUrls: ['references'],
  falsepositives: ['falsepositives'],
  kbArticle: ['kbArticle'],
  definition: ['definition'],
  command: ['command'],
  inputArguments: ['inputArguments'],
  logSources: ['logSources'],
  counterPaths: [],
  attackIds: [],
  attackRelations: [],
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

/** The lazy properties that none of `fields` shows, which reads may leave out. */
export function omittedProperties(fields: ReadonlySet<string>): string[] {
  return Object.entries(LAZY_PROPERTIES)
    .filter(([, shownBy]) => !shownBy.some((field) => fields.has(field)))
    .map(([property]) => property);
}

/**
 * For each node label, the lazy properties a read of such nodes may leave out: those that no field selected on the
 * label's GraphQL type (or on an interface or union) shows. GraphQL object types are named after the labels.
 */
export function omittedByLabel(byType: ReadonlyMap<string, ReadonlySet<string>>): Record<string, string[]> {
  const shared = byType.get('*') ?? new Set<string>();
  const omit: Record<string, string[]> = {};
  for (const label of Object.keys(NODE_KEYS)) {
    omit[label] = omittedProperties(new Set([...(byType.get(label) ?? []), ...shared]));
  }
  return omit;
}

/** Sets `contextValue.projection.omit` once the operation is known, before any resolver runs. */
export function projectionPlugin<T extends { projection: Projection }>(): ApolloServerPlugin<T> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, contextValue }) {
          contextValue.projection.omit = omittedByLabel(fieldsByType(schema, document));
        },
      };
    },
  };
}
