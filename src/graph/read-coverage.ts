// The one query behind a coverage request: every technique in scope with its counts under the filter.
import type { Graph } from './driver.js';

/** Sigma statuses that count as detections when a filter names none: not `deprecated`, not `unsupported`. */
export const DEFAULT_SIGMA_STATUSES = ['stable', 'test', 'experimental'];

/** A coverage filter with values normalised (lower-case names, upper-case ids, ranks for levels). */
export interface CoverageScope {
  domain: string;
  platforms: string[] | null;
  tactics: string[] | null;
  groups: string[] | null;
  software: string[] | null;
  campaigns: string[] | null;
  sigmaSources: string[] | null;
  sigmaFolders: string[] | null;
  sigmaMinLevelRank: number | null;
  sigmaStatuses: string[] | null;
  sigmaProducts: string[] | null;
  atomicPlatforms: string[] | null;
}

/** One technique of the domain with its counts; `inScope` says whether it passes the platform and profile filters. */
export interface CoverageRow {
  stixId: string;
  id: string;
  parentId: string | null;
  tactics: string[];
  inScope: boolean;
  sigmaRules: number;
  countermeasures: number;
  atomicTests: number;
  mitigations: number;
  /** STIX ids of the groups, software and campaigns of the profile that use it (with no profile: of all groups). */
  users: string[];
  platforms: string[];
}

/**
 * Every current technique of the domain with its Sigma, D3FEND, Atomic and mitigation counts under the filter, in
 * one query whatever the size of the matrix. Techniques outside the platform or profile filters come too (marked
 * `inScope: false`) so that sub-techniques can be rolled up into parents.
 */
export async function readCoverageRows(graph: Graph, scope: CoverageScope): Promise<CoverageRow[]> {
  const profile = scope.groups !== null || scope.software !== null || scope.campaigns !== null;
  const rows = await graph.read(
    `MATCH (t:Technique)
     WHERE $domain IN t.domains AND NOT t.revoked AND NOT t.deprecated
     CALL (t) {
       OPTIONAL MATCH (s:SigmaRule)-[:DETECTS]->(t)
       WHERE ($sigmaSources IS NULL OR toLower(s.source) IN $sigmaSources)
         AND ($sigmaFolders IS NULL OR toLower(s.folder) IN $sigmaFolders)
         AND ($sigmaMinLevelRank IS NULL OR s.levelRank >= $sigmaMinLevelRank)
         AND s.status IN coalesce($sigmaStatuses, $defaultStatuses)
         AND ($sigmaProducts IS NULL OR any(p IN s.products WHERE toLower(p) IN $sigmaProducts))
       RETURN count(DISTINCT s) AS sigmaRules
     }
     CALL (t) {
       OPTIONAL MATCH (d:D3fendTechnique)-[:COUNTERS]->(t) WHERE NOT coalesce(d.deprecated, false)
       RETURN count(d) AS countermeasures
     }
     CALL (t) {
       OPTIONAL MATCH (a:AtomicTest)-[:TESTS]->(t)
       WHERE $atomicPlatforms IS NULL OR any(p IN a.platforms WHERE toLower(p) IN $atomicPlatforms)
       RETURN count(a) AS atomicTests
     }
     CALL (t) {
       OPTIONAL MATCH (m:Mitigation)-[:MITIGATES]->(t) WHERE NOT m.revoked AND NOT m.deprecated
       RETURN count(m) AS mitigations
     }
     CALL (t) {
       OPTIONAL MATCH (x)-[:USES]->(t)
       WHERE NOT x.revoked AND NOT x.deprecated AND CASE WHEN $profile
         THEN (x:Group AND x.id IN coalesce($groups, [])) OR (x:Software AND x.id IN coalesce($software, []))
              OR (x:Campaign AND x.id IN coalesce($campaigns, []))
         ELSE x:Group END
       RETURN collect(DISTINCT x.stixId) AS users
     }
     OPTIONAL MATCH (t)-[:SUBTECHNIQUE_OF]->(parent:Technique)
     RETURN t.stixId AS stixId, t.id AS id, parent.id AS parentId,
            [(t)-[:IN_TACTIC]->(ta:Tactic) | ta.id] AS tactics,
            ($platforms IS NULL OR any(p IN t.platforms WHERE toLower(p) IN $platforms)) AS platformOk,
            sigmaRules, countermeasures, atomicTests, mitigations, users, t.platforms AS platforms
     ORDER BY id`,
    { ...scope, profile, defaultStatuses: DEFAULT_SIGMA_STATUSES },
  );
  return rows.map((row) => ({
    stixId: row.stixId as string,
    id: row.id as string,
    parentId: (row.parentId as string | null) ?? null,
    tactics: row.tactics as string[],
    inScope: row.platformOk === true && (!profile || (row.users as string[]).length > 0),
    sigmaRules: Number(row.sigmaRules),
    countermeasures: Number(row.countermeasures),
    atomicTests: Number(row.atomicTests),
    mitigations: Number(row.mitigations),
    users: row.users as string[],
    platforms: (row.platforms as string[] | null) ?? [],
  }));
}
