// Links between sources, materialised after every seed: D3FEND countermeasures, Sigma detections and Atomic
// tests onto the ATT&CK techniques (and tactics) loaded now, whatever the order in which the sources came.
import { storeCoverageFacts } from './coverage-facts.js';
import type { Graph } from './driver.js';
import { storeListTotals } from './list-counts.js';

/** What the link step made, and what it could not link. */
export interface LinkSummary {
  counters: number;
  actsOn: number;
  /** ATT&CK ids that D3FEND names but no loaded Technique has, sorted. */
  missingAttackIds: string[];
  /** Sigma rule to technique and tactic links, and Atomic test to technique links. */
  sigmaDetects: number;
  sigmaTactics: number;
  atomicTests: number;
  /** Technique ids tagged by Sigma rules or tested by Atomic tests that no loaded Technique has, sorted. */
  unknownTechniqueIds: string[];
  /** Tactic tags of Sigma rules that name no loaded Enterprise tactic, sorted. */
  unknownTacticTags: string[];
  /** Technique ids tagged by Sigma rules that name revoked techniques (linked to them and their replacements). */
  revokedTechniqueTags: string[];
  /** Techniques whose coverage facts (see coverage-facts.ts) were recomputed. */
  techniqueFacts: number;
}

/** Brings every link between sources up to date; see the functions it calls. */
export async function linkSources(graph: Graph): Promise<LinkSummary> {
  const d3fend = await linkD3fendToAttack(graph);
  const rules = await linkRulesAndTests(graph);
  // Last: the facts count the links made above.
  const techniqueFacts = await storeCoverageFacts(graph);
  await storeListTotals(graph);
  return { ...d3fend, ...rules, techniqueFacts };
}

/**
 * Rebuilds `(SigmaRule)-[:DETECTS {tags}]->(Technique)` from each rule's technique tags (a revoked technique's tag
 * also reaches its replacements, to the current one), `(SigmaRule)-[:FOR_TACTIC]->(Tactic)` from its tactic tags (Enterprise tactics, by
 * short name), and `(AtomicTest)-[:TESTS]->(Technique)`. Rebuilt whole in one transaction: the result depends only
 * on what is loaded.
 */
export async function linkRulesAndTests(
  graph: Graph,
): Promise<Omit<LinkSummary, 'counters' | 'actsOn' | 'missingAttackIds' | 'techniqueFacts'>> {
  return graph.write(async (run) => {
    await run('MATCH (:SigmaRule)-[d:DETECTS|FOR_TACTIC]->() DELETE d');
    await run('MATCH (:AtomicTest)-[t:TESTS]->() DELETE t');
    const [detects] = await run(
      `MATCH (s:SigmaRule) UNWIND range(0, size(s.techniqueIds) - 1) AS position
       WITH s, position, s.techniqueIds[position] AS tag
       MATCH (t:Technique {id: tag})
       // A replacement may itself be revoked later: follow the chain to the current technique.
       OPTIONAL MATCH (t)-[:REVOKED_BY*1..10]->(replacement:Technique)
       WITH s, position, tag, t, collect(DISTINCT replacement) AS replacements
       UNWIND [t] + (CASE WHEN t.revoked THEN replacements ELSE [] END) AS target
       // Tags in the rule's own order: the order rows arrive in depends on the query plan; a stored list must not.
       WITH s, target, tag, position ORDER BY position
       WITH s, target, collect(DISTINCT tag) AS tags
       CREATE (s)-[d:DETECTS {tags: tags}]->(target)
       RETURN count(d) AS n`,
    );
    const [tactics] = await run(
      `MATCH (s:SigmaRule) UNWIND s.tacticShortnames AS shortname
       MATCH (t:Tactic {shortname: shortname, domain: 'enterprise-attack'})
       WITH DISTINCT s, t
       CREATE (s)-[f:FOR_TACTIC]->(t)
       RETURN count(f) AS n`,
    );
    const [tests] = await run(
      `MATCH (a:AtomicTest) MATCH (t:Technique {id: a.techniqueId})
       CREATE (a)-[r:TESTS]->(t)
       RETURN count(r) AS n`,
    );
    const [unknown] = await run(
      `CALL () {
         MATCH (s:SigmaRule) UNWIND s.techniqueIds AS id RETURN id
         UNION
         MATCH (a:AtomicTest) RETURN a.techniqueId AS id
       }
       WITH id WHERE NOT EXISTS { MATCH (:Technique {id: id}) }
       WITH id ORDER BY id
       RETURN collect(id) AS ids`,
    );
    const [unknownTactics] = await run(
      `MATCH (s:SigmaRule) UNWIND s.tacticShortnames AS shortname
       WITH DISTINCT shortname
       WHERE NOT EXISTS { MATCH (:Tactic {shortname: shortname, domain: 'enterprise-attack'}) }
       WITH shortname ORDER BY shortname
       RETURN collect(shortname) AS names`,
    );
    const [revoked] = await run(
      `MATCH (s:SigmaRule) UNWIND s.techniqueIds AS id
       WITH DISTINCT id WHERE EXISTS { MATCH (:Technique {id: id, revoked: true}) }
       WITH id ORDER BY id
       RETURN collect(id) AS ids`,
    );
    return {
      revokedTechniqueTags: (revoked?.ids as string[]) ?? [],
      sigmaDetects: Number(detects?.n ?? 0),
      sigmaTactics: Number(tactics?.n ?? 0),
      atomicTests: Number(tests?.n ?? 0),
      unknownTechniqueIds: (unknown?.ids as string[]) ?? [],
      unknownTacticTags: (unknownTactics?.names as string[]) ?? [],
    };
  });
}

/**
 * Materialises `(D3fendTechnique)-[:COUNTERS {paths}]->(Technique)` and `(Technique)-[:ACTS_ON {relation}]->(Artifact)`
 * from what the D3FEND seed stored on its own nodes (`counters`/`counterPaths`, `attackIds`/`attackRelations`),
 * on the Technique nodes present now, and removes links that no longer hold. Runs after every seed, whichever
 * source it loaded, so seeding D3FEND before or after ATT&CK gives the same graph.
 */
export async function linkD3fendToAttack(
  graph: Graph,
): Promise<Pick<LinkSummary, 'counters' | 'actsOn' | 'missingAttackIds'>> {
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
