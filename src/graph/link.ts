// Links between sources that are materialised after every seed: D3FEND's countermeasures onto ATT&CK techniques.
import type { Graph } from './driver.js';

/** What the link step made, and what it could not link. */
export interface LinkSummary {
  counters: number;
  actsOn: number;
  /** ATT&CK ids that D3FEND names but no loaded Technique has, sorted. */
  missingAttackIds: string[];
}

/**
 * Materialises `(D3fendTechnique)-[:COUNTERS {paths}]->(Technique)` and `(Technique)-[:ACTS_ON {relation}]->(Artifact)`
 * from what the D3FEND seed stored on its own nodes (`counters`/`counterPaths`, `attackIds`/`attackRelations`),
 * on the Technique nodes present now, and removes links that no longer hold. Runs after every seed, whichever
 * source it loaded, so seeding D3FEND before or after ATT&CK gives the same graph.
 */
export async function linkD3fendToAttack(graph: Graph): Promise<LinkSummary> {
  return graph.write(async (run) => {
    await run(
      `MATCH (d:D3fendTechnique)-[c:COUNTERS]->(t:Technique)
       WHERE NOT t.id IN coalesce(d.counters, [])
       DELETE c`,
    );
    await run(
      `MATCH (t:Technique)-[a:ACTS_ON]->(x:Artifact)
       WHERE NOT any(i IN range(0, size(coalesce(x.attackIds, [])) - 1)
                     WHERE x.attackIds[i] = t.id AND x.attackRelations[i] = a.relation)
       DELETE a`,
    );
    const [counters] = await run(
      `MATCH (d:D3fendTechnique)
       UNWIND range(0, size(coalesce(d.counters, [])) - 1) AS i
       WITH d, d.counters[i] AS attackId, split(d.counterPaths[i], ';') AS paths
       MATCH (t:Technique {id: attackId})
       MERGE (d)-[c:COUNTERS]->(t)
       SET c.paths = paths
       RETURN count(c) AS n`,
    );
    const [actsOn] = await run(
      `MATCH (x:Artifact)
       UNWIND range(0, size(coalesce(x.attackIds, [])) - 1) AS i
       WITH x, x.attackIds[i] AS attackId, x.attackRelations[i] AS relation
       MATCH (t:Technique {id: attackId})
       MERGE (t)-[a:ACTS_ON {relation: relation}]->(x)
       RETURN count(a) AS n`,
    );
    const [missing] = await run(
      `OPTIONAL MATCH (d:Dataset {source: 'd3fend'})
       UNWIND coalesce(d.attackIds, []) AS id
       WITH id WHERE NOT EXISTS { MATCH (:Technique {id: id}) }
       WITH id ORDER BY id
       RETURN collect(id) AS ids`,
    );
    return {
      counters: Number(counters?.n ?? 0),
      actsOn: Number(actsOn?.n ?? 0),
      missingAttackIds: (missing?.ids as string[]) ?? [],
    };
  });
}
