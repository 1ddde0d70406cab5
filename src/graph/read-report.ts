// Reading what technique reports show, for many techniques in a fixed number of queries.
import type { TechniqueReportData } from '../report/technique.js';
import type { Graph } from './driver.js';

/**
 * Report data for each ATT&CK id in `ids` (null where unknown), in two queries whatever the number of ids:
 * totals and load dates once, then every technique with its tactics, countermeasures, rules and tests.
 */
export async function readReportData(graph: Graph, ids: readonly string[]): Promise<(TechniqueReportData | null)[]> {
  const [totals] = await graph.read(
    `CALL () { MATCH ()-[c:COUNTERS]->(:Technique) RETURN count(c) AS counters }
     CALL () { MATCH (s:SigmaRule) WHERE EXISTS { (s)-[:DETECTS]->(:Technique) } RETURN count(s) AS rules }
     CALL () { OPTIONAL MATCH (d:Dataset {source: 'd3fend'}) RETURN max(d.loadedAt) AS d3fend }
     CALL () { OPTIONAL MATCH (d:Dataset {source: 'sigma'}) RETURN max(d.loadedAt) AS sigma }
     CALL () { OPTIONAL MATCH (d:Dataset {source: 'atomic'}) RETURN max(d.loadedAt) AS atomic }
     RETURN counters, rules, d3fend, sigma, atomic`,
  );
  const rows = await graph.read(
    `UNWIND $ids AS key
     MATCH (t:Technique) WHERE t.id = key
     WITH key, t ORDER BY t.revoked, t.deprecated
     WITH key, head(collect(t)) AS t
     CALL (t) { MATCH (t)-[:IN_TACTIC]->(ta:Tactic) WITH ta ORDER BY ta.order RETURN collect(ta.name) AS tactics }
     CALL (t) {
       MATCH (d:D3fendTechnique)-[:COUNTERS]->(t)
       OPTIONAL MATCH (d)-[:IN_TACTIC]->(dt:D3fendTactic)
       WITH d, dt ORDER BY dt.order, d.name
       RETURN collect({name: d.name, iri: d.iri}) AS countermeasures
     }
     CALL (t) {
       MATCH (s:SigmaRule)-[:DETECTS]->(t)
       WITH s ORDER BY s.source, s.path
       RETURN collect({source: s.source, path: s.path, url: s.url}) AS rules
     }
     CALL (t) {
       MATCH (a:AtomicTest)-[:TESTS]->(t)
       WITH a ORDER BY a.number
       RETURN collect({number: a.number, name: a.name, path: a.path, platforms: a.platforms}) AS tests
     }
     RETURN key, t {.id, .name, .url, .description} AS technique, tactics, countermeasures, rules, tests`,
    { ids },
  );
  const byId = new Map(rows.map((row) => [row.key as string, row]));
  return ids.map((id) => {
    const row = byId.get(id);
    if (!row) return null;
    const technique = row.technique as { id: string; name: string; url: string | null; description: string | null };
    return {
      id: technique.id,
      name: technique.name,
      url: technique.url ?? '',
      tactics: row.tactics as string[],
      description: technique.description ?? '',
      d3fend: {
        accessed: (totals?.d3fend as string | null) ?? null,
        totalMapped: Number(totals?.counters ?? 0),
        countermeasures: row.countermeasures as { name: string; iri: string }[],
      },
      sigma: {
        accessed: (totals?.sigma as string | null) ?? null,
        totalMapped: Number(totals?.rules ?? 0),
        rules: row.rules as { source: string; path: string; url: string | null }[],
      },
      atomic: {
        accessed: (totals?.atomic as string | null) ?? null,
        tests: row.tests as { number: number; name: string; path: string; platforms: string[] }[],
      },
    };
  });
}

/** The ATT&CK ids of every current technique of a domain, in id order (for `report --all`). */
export async function readTechniqueIds(graph: Graph, domain: string): Promise<string[]> {
  const rows = await graph.read(
    `MATCH (t:Technique) WHERE $domain IN t.domains AND NOT t.revoked AND NOT t.deprecated
     RETURN t.id AS id ORDER BY id`,
    { domain },
  );
  return rows.map((row) => row.id as string);
}
