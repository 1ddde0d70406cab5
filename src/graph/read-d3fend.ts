// Read queries of the D3FEND part of the API: tactics, filtered pages of techniques and artifacts, counter paths.
import type { Graph } from './driver.js';
import { readPageOf } from './page.js';
import type { Keep } from './properties.js';
import type { GraphNode } from './read.js';

/** One stored path of a COUNTERS edge, split into its parts (artifacts by IRI local name, with their names). */
export interface CounterPathRow {
  via: string;
  offensiveRelation: string;
  offensiveArtifact: string;
  defensiveRelation: string;
  defensiveArtifact: string;
  offensiveArtifactName: string;
  defensiveArtifactName: string;
}

/**
 * Parses the `paths` of a COUNTERS edge
 * (`via|offensiveRelation|offensiveArtifact|defensiveRelation|defensiveArtifact|offensiveName|defensiveName`).
 */
export function counterPaths(paths: unknown): CounterPathRow[] {
  if (!Array.isArray(paths)) return [];
  return paths.map((path) => {
    const [
      via = '',
      offensiveRelation = '',
      offensiveArtifact = '',
      defensiveRelation = '',
      defensiveArtifact = '',
      offensiveArtifactName = '',
      defensiveArtifactName = '',
    ] = String(path).split('|');
    return {
      via,
      offensiveRelation,
      offensiveArtifact,
      defensiveRelation,
      defensiveArtifact,
      offensiveArtifactName,
      defensiveArtifactName,
    };
  });
}

/** The D3FEND tactics in display order. */
export async function readD3fendTactics(graph: Graph): Promise<GraphNode[]> {
  const rows = await graph.read('MATCH (t:D3fendTactic) RETURN properties(t) AS node ORDER BY t.order, t.name');
  return rows.map((row) => row.node as GraphNode);
}

/** One page of D3FEND techniques (by name) in a tactic and/or matching a text, with the total count. Deprecated
 * ones only when asked. */
export async function readD3fendTechniquePage(
  graph: Graph,
  filter: { tactic: string | null; text: string | null; includeDeprecated: boolean },
  skip: number,
  limit: number,
  keep: Keep = null,
): Promise<{ total: number; nodes: GraphNode[] }> {
  return readPageOf(
    graph,
    `MATCH (n:D3fendTechnique)
     WHERE ($tactic IS NULL OR toLower(n.tactic) = $tactic) AND ($includeDeprecated OR NOT n.deprecated)
       AND (${TEXT_MATCH})`,
    'n.name, n.id',
    {
      tactic: filter.tactic?.toLowerCase() ?? null,
      text: filter.text?.toLowerCase() ?? null,
      includeDeprecated: filter.includeDeprecated,
      skip,
      limit,
    },
    keep,
  );
}

/** One page of artifacts (by name) matching a text, with the total count. */
export async function readArtifactPage(
  graph: Graph,
  filter: { text: string | null },
  skip: number,
  limit: number,
  keep: Keep = null,
): Promise<{ total: number; nodes: GraphNode[] }> {
  return readPageOf(
    graph,
    `MATCH (n:Artifact) WHERE ${TEXT_MATCH}`,
    'n.name, n.iri',
    {
      text: filter.text?.toLowerCase() ?? null,
      skip,
      limit,
    },
    keep,
  );
}

const TEXT_MATCH = `$text IS NULL OR toLower(n.id) CONTAINS $text OR toLower(n.name) CONTAINS $text
  OR any(s IN coalesce(n.synonyms, []) WHERE toLower(s) CONTAINS $text)
  OR toLower(coalesce(n.definition, '')) CONTAINS $text`;
