// Coverage claims in the graph: import (replace) and remove a named claim, list claims, read what claims cover.
import type { ParsedLayer } from '../seed/layer.js';
import type { Graph } from './driver.js';
import { markGraphChanged } from './upsert.js';

/** One named claim as stored. */
export interface ClaimRow {
  name: string;
  layerName: string | null;
  domain: string;
  attackVersion: string | null;
  location: string;
  importedAt: string;
  /** Entries in the layer, and the techniques of the graph it claims as covered. */
  entries: number;
  claimed: number;
  /** Technique ids of the layer that reach no current technique of its domain (unknown or deprecated). */
  unknownTechniqueIds: string[];
}

/**
 * Replaces the claim `name` with what `layer` claims, in one transaction: the claim node and one CLAIMS edge per
 * technique of the layer's domain that its entries name (the current one when several share an id; a revoked id
 * reaches its current replacements, a deprecated one nothing); entries that reach one technique (several tactics, a
 * revoked id and its replacement) become one edge that claims when any of them does, with the highest score and the
 * ids that led to it. Marks the graph changed.
 */
export async function writeClaim(graph: Graph, name: string, layer: ParsedLayer, location: string): Promise<ClaimRow> {
  const byTechnique = new Map<
    string,
    { claims: boolean; score: number | null; comment: string | null; tactics: string[] }
  >();
  for (const e of layer.entries) {
    const had = byTechnique.get(e.techniqueId);
    byTechnique.set(e.techniqueId, {
      claims: (had?.claims ?? false) || e.claims,
      score:
        had?.score === null || had?.score === undefined
          ? e.score
          : e.score === null
            ? had.score
            : Math.max(had.score, e.score),
      comment: had?.comment ?? e.comment,
      tactics: [...new Set([...(had?.tactics ?? []), ...(e.tactic ? [e.tactic] : [])])],
    });
  }
  await graph.write(async (run) => {
    await run('MATCH (c:CoverageClaim {name: $name}) DETACH DELETE c', { name });
    await run(
      `CREATE (c:CoverageClaim {name: $name, layerName: $layerName, domain: $domain, attackVersion: $attackVersion,
                                location: $location, importedAt: $now, entries: $entries})
       WITH c
       UNWIND $techniques AS e
       CALL (e) {
         MATCH (t:Technique {id: e.id}) WHERE $domain IN t.domains
         WITH t ORDER BY t.revoked, t.deprecated LIMIT 1
         // A revoked id counts for the current techniques that replace it (as Sigma tags do); a deprecated one
         // for none.
         OPTIONAL MATCH (t)-[:REVOKED_BY*1..10]->(r:Technique) WHERE NOT r.revoked AND NOT r.deprecated
         WITH t, collect(DISTINCT r) AS replacements
         UNWIND CASE WHEN t.revoked THEN replacements ELSE [t] END AS target
         WITH target WHERE NOT target.deprecated
         RETURN target
       }
       MERGE (c)-[k:CLAIMS]->(target)
       ON CREATE SET k.claims = e.claims, k.score = e.score, k.comment = e.comment, k.tactics = e.tactics, k.ids = [e.id]
       ON MATCH SET k.claims = k.claims OR e.claims,
                    k.score = CASE WHEN k.score IS NULL OR e.score > k.score THEN coalesce(e.score, k.score) ELSE k.score END,
                    k.comment = coalesce(k.comment, e.comment), k.tactics = k.tactics + [x IN e.tactics WHERE NOT x IN k.tactics], k.ids = k.ids + e.id`,
      {
        name,
        layerName: layer.layerName,
        domain: layer.domain,
        attackVersion: layer.attackVersion,
        location,
        now: new Date().toISOString(),
        entries: layer.entries.length,
        techniques: [...byTechnique].map(([id, e]) => ({ id, ...e })),
      },
    );
    await run(
      `MATCH (c:CoverageClaim {name: $name})
       SET c.unknownTechniqueIds = [id IN $ids WHERE NOT EXISTS { MATCH (c)-[k:CLAIMS]->() WHERE id IN k.ids }]`,
      { name, ids: [...byTechnique.keys()].sort() },
    );
  });
  await markGraphChanged(graph);
  const [row] = await readClaims(graph, name);
  return row as ClaimRow;
}

/** Removes a claim; false when there was none of that name. */
export async function removeClaim(graph: Graph, name: string): Promise<boolean> {
  const [row] = await graph.write((run) =>
    run('MATCH (c:CoverageClaim {name: $name}) DETACH DELETE c RETURN count(*) AS n', { name }),
  );
  await markGraphChanged(graph);
  return Number(row?.n ?? 0) > 0;
}

/** The claims in the graph by name (one when `name` is given), with what each claims. */
export async function readClaims(graph: Graph, name: string | null = null): Promise<ClaimRow[]> {
  const rows = await graph.read(
    `MATCH (c:CoverageClaim) WHERE $name IS NULL OR c.name = $name
     RETURN c {.*} AS c, COUNT { MATCH (c)-[r:CLAIMS]->(:Technique) WHERE r.claims } AS claimed
     ORDER BY c.name`,
    { name },
  );
  return rows.map((row) => {
    const c = row.c as Record<string, unknown>;
    return {
      name: String(c.name),
      layerName: (c.layerName as string | null) ?? null,
      domain: String(c.domain),
      attackVersion: (c.attackVersion as string | null) ?? null,
      location: String(c.location ?? ''),
      importedAt: String(c.importedAt ?? ''),
      entries: Number(c.entries ?? 0),
      claimed: Number(row.claimed),
      unknownTechniqueIds: (c.unknownTechniqueIds as string[] | null) ?? [],
    };
  });
}

/** STIX ids of the techniques that any of the named claims claims as covered. */
export async function readClaimedTechniques(graph: Graph, names: string[]): Promise<Set<string>> {
  const rows = await graph.read(
    `MATCH (c:CoverageClaim)-[r:CLAIMS]->(t:Technique) WHERE c.name IN $names AND r.claims
     RETURN DISTINCT t.stixId AS stixId`,
    { names },
  );
  return new Set(rows.map((row) => String(row.stixId)));
}
