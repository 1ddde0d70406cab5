// Resolvers of the D3FEND types and of Technique.countermeasures: through per-request loaders, paths explained.
import type { GraphQLResolveInfo } from 'graphql';
import { BadUserInputError } from '../../errors.js';
import type { GraphNode, Related } from '../../graph/read.js';
import { counterPaths } from '../../graph/read-d3fend.js';
import { connectionFromList } from '../connection.js';
import type { Context } from '../context.js';
import type { Resolvers } from '../generated/graphql.js';
import { loadRelated, onlyFields, relatedConnection, relatedList, relatedOne, strings } from './shared.js';

const edgeString = (item: Related, key: string) => String(item.edge?.[key] ?? '');

/** An artifact by IRI local name, through the per-request Artifact loader (null where the graph has none). */
const artifact = (ctx: Context, id: string) => ctx.loaders.node('Artifact').load(id);

/**
 * A path's artifact: from the path when only its id and name are asked (and the path knows the name). Returned as
 * is, not in a promise: graphql-js completes a field that returns a promise, and the object holding it, through
 * promises of their own (BENCHMARKS.md).
 */
const artifactOf = (
  ctx: Context,
  info: GraphQLResolveInfo,
  id: string,
  name: string,
): GraphNode | Promise<GraphNode> =>
  name && onlyFields(info, ['id', 'name', '__typename'])
    ? ({ id, name } as GraphNode)
    : (artifact(ctx, id) as Promise<GraphNode>);

/** A page on d3fend.mitre.org for a class of the ontology. */
const pageOf = (kind: 'technique' | 'dao/artifact', iri: unknown) =>
  `https://d3fend.mitre.org/${kind}/d3f:${String(iri).slice(String(iri).indexOf('#') + 1)}/`;

/** Checks a D3FEND tactic name against the loaded tactics; returns it in lower case, or null when absent. */
export async function tacticName(tactic: string | null | undefined, ctx: Context): Promise<string | null> {
  if (tactic === null || tactic === undefined) return null;
  const names = (await ctx.loaders.d3fendTactics()).map((t) => String(t.name));
  if (!names.some((n) => n.toLowerCase() === tactic.toLowerCase())) {
    throw new BadUserInputError(
      `"tactic" must be a D3FEND tactic (${names.join(', ')}), any case; got ${JSON.stringify(tactic.slice(0, 100))}`,
      'tactic',
    );
  }
  return tactic.toLowerCase();
}

/**
 * The countermeasures of an ATT&CK technique, in D3FEND tactic order then by name; `tactic` keeps one tactic's,
 * deprecated D3FEND techniques only when asked.
 */
export async function countermeasuresOf(
  technique: Record<string, unknown>,
  args: { tactic?: string | null; includeDeprecated?: boolean | null },
  ctx: Context,
  info?: GraphQLResolveInfo,
): Promise<Related[]> {
  // Asked for together, so that the relation joins the other relation fields of this level in one statement.
  const [wanted, countermeasures] = await Promise.all([
    tacticName(args.tactic, ctx),
    loadRelated('techniqueCountermeasures', technique, ctx, info),
  ]);
  // The relation comes in tactic order (RELATIONS): a tactic's rank is where its first countermeasure stands.
  const order = new Map<string, number>();
  for (const item of countermeasures) {
    const tactic = String(item.node.tactic ?? '');
    if (!order.has(tactic)) order.set(tactic, order.size);
  }
  const rank = (item: Related) => order.get(String(item.node.tactic ?? '')) ?? order.size;
  return countermeasures
    .filter((item) => wanted === null || String(item.node.tactic).toLowerCase() === wanted)
    .filter((item) => args.includeDeprecated || item.node.deprecated !== true)
    .sort((a, b) => rank(a) - rank(b) || String(a.node.name).localeCompare(String(b.node.name)));
}

export const d3fendResolvers: Resolvers = {
  Technique: {
    countermeasures: (technique, args, ctx, info) => countermeasuresOf(technique, args, ctx, info),
    artifacts: (technique, _args, ctx) => loadRelated('techniqueArtifacts', technique, ctx),
  },
  Countermeasure: {
    technique: (item) => item.node,
    paths: (item) => counterPaths(item.edge?.paths),
  },
  // A path carries its artifacts' ids and names (written at seed time): `{ id name }` needs no read.
  CountermeasurePath: {
    offensiveArtifact: (path, _args, ctx, info) =>
      artifactOf(ctx, info, path.offensiveArtifact, path.offensiveArtifactName),
    defensiveArtifact: (path, _args, ctx, info) =>
      artifactOf(ctx, info, path.defensiveArtifact, path.defensiveArtifactName),
  },
  D3fendTactic: {
    techniques: async (tactic, args, ctx) =>
      connectionFromList(
        (await relatedList('d3fendTacticTechniques')(tactic, { includeRevoked: true }, ctx)).map((node) => ({ node })),
        args,
      ),
  },
  D3fendTechnique: {
    synonyms: (node) => strings(node.synonyms),
    references: (node) => {
      const urls = strings(node.referenceUrls);
      return strings(node.references).map((title, i) => ({ title, url: urls[i] || null }));
    },
    url: (node) => pageOf('technique', node.iri),
    deprecated: (node) => node.deprecated === true,
    // The tactic's name is on the node (written with its IN_TACTIC edge): when only the name is asked for, no read at
    // all (and no promise, as for a path's artifacts); otherwise the tactic from the request's tactic list (one
    // statement per request).
    tactic: (node, _args, ctx, info) => {
      if (node.tactic === null || node.tactic === undefined) return null;
      if (onlyFields(info, ['name', '__typename'])) return { name: String(node.tactic) } as GraphNode;
      return ctx.loaders.d3fendTactics().then((tactics) => tactics.find((t) => t.name === node.tactic) ?? null);
    },
    parent: relatedOne('d3fendTechniqueParent'),
    children: async (node, _args, ctx) => relatedList('d3fendTechniqueChildren')(node, { includeRevoked: true }, ctx),
    artifacts: (node, _args, ctx) => loadRelated('d3fendTechniqueArtifacts', node, ctx),
    counters: relatedConnection('d3fendTechniqueCounters'),
  },
  Artifact: {
    synonyms: (node) => strings(node.synonyms),
    url: (node) => pageOf('dao/artifact', node.iri),
    parents: (node, _args, ctx) => relatedList('artifactParents')(node, { includeRevoked: true }, ctx),
    children: (node, _args, ctx) => relatedList('artifactChildren')(node, { includeRevoked: true }, ctx),
    attackTechniques: async (node, args, ctx) =>
      (await loadRelated('artifactAttackTechniques', node, ctx)).filter(
        (item) => args.includeRevoked || (item.node.revoked !== true && item.node.deprecated !== true),
      ),
    d3fendTechniques: async (node, args, ctx) =>
      (await loadRelated('artifactD3fendTechniques', node, ctx)).filter(
        (item) => args.includeDeprecated || item.node.deprecated !== true,
      ),
  },
  ArtifactRelation: { relation: (item) => edgeString(item, 'relation'), artifact: (item) => item.node },
  ArtifactActor: { relation: (item) => edgeString(item, 'relation'), technique: (item) => item.node },
  ArtifactDefender: { relation: (item) => edgeString(item, 'relation'), technique: (item) => item.node },
};
