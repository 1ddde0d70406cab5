// The one query behind a coverage request: every technique in scope with its counts under the filter.
import { ITEM_SEPARATOR } from './coverage-facts.js';
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
  /** Names of coverage claims whose claims count (`claimed`); not read by the coverage statement. */
  claims?: string[] | null;
}

/** One technique of the domain with its counts; `inScope` says whether it passes the platform and profile filters. */
export interface CoverageRow {
  stixId: string;
  id: string;
  name: string;
  parentId: string | null;
  tactics: string[];
  inScope: boolean;
  sigmaRules: number;
  countermeasures: number;
  atomicTests: number;
  mitigations: number;
  /** The groups, software and campaigns of the profile that use it (`Group:G0016`…; with no profile: all groups' ids). */
  users: string[];
  platforms: string[];
  /** Whether a claim the filter names claims it (set by the API from the claims, false here). */
  claimed?: boolean;
}

/**
 * With a threat profile, the techniques its members use and their parents, found from the members (index seeks by
 * id, then their USES edges) instead of a scan of the matrix: a superset of what the filter below keeps, since
 * every technique with a profile user is used by a member.
 */
const PROFILE_CANDIDATES = `CALL {
       MATCH (x:Group) WHERE x.id IN $groups RETURN x
       UNION MATCH (x:Software) WHERE x.id IN $software RETURN x
       UNION MATCH (x:Campaign) WHERE x.id IN $campaigns RETURN x
     }
     MATCH (x)-[:USES]->(used:Technique)
     WITH DISTINCT used
     OPTIONAL MATCH (used)-[:SUBTECHNIQUE_OF]->(parent:Technique)
     WITH collect(used) + collect(parent) AS found
     UNWIND found AS t
     WITH DISTINCT t`;

/**
 * Every current technique of the domain with its Sigma, D3FEND, Atomic and mitigation counts under the filter, in
 * one query whatever the size of the matrix, from the facts the seed stored on each technique (no traversal).
 * Techniques outside the platform filter come too (marked `inScope: false`) so that sub-techniques can be rolled up
 * into parents; with a threat profile (groups, software, campaigns), only the profile's techniques and their parents.
 * With `perTechnique` false, rows leave out what only lists of techniques show (name empty, no platforms, and no
 * users unless a profile needs them to be in scope): counts need none of it, and the groups using each technique are
 * most of what a whole matrix sends.
 */
export async function readCoverageRows(
  graph: Graph,
  scope: CoverageScope,
  perTechnique = true,
): Promise<CoverageRow[]> {
  const profile = scope.groups !== null || scope.software !== null || scope.campaigns !== null;
  const rows = await graph.read(
    `${profile ? PROFILE_CANDIDATES : 'MATCH (t:Technique)'}
     WHERE $domain IN t.domains AND NOT t.revoked AND NOT t.deprecated
     WITH t, CASE WHEN $profile
               THEN [u IN coalesce(t.coverageUsers, []) WHERE u IN $members]
               ELSE coalesce(t.coverageGroups, [])
             END AS users
     // With a threat profile, only its techniques and their parents (for the roll-up) are counted below.
     WITH collect({t: t, users: users}) AS all
     WITH all, CASE WHEN $profile
                 THEN [x IN all WHERE size(x.users) > 0 | coalesce(x.t.coverageParent, x.t.id)]
               END AS families
     UNWIND all AS x
     WITH x.t AS t, x.users AS users, families
     WHERE families IS NULL OR size(users) > 0 OR t.id IN families
     WITH t, users, coalesce(t.coverageSigmaLevels, []) AS levels, t.coverageSigmaStatuses AS statuses,
          t.coverageSigmaSources AS sources, t.coverageSigmaFolders AS folders, t.coverageSigmaProducts AS products
     RETURN t.stixId AS stixId, t.id AS id, CASE WHEN $perTechnique THEN t.name END AS name,
            t.coverageParent AS parentId, coalesce(t.coverageTactics, []) AS tactics,
            ($platforms IS NULL OR any(p IN t.platforms WHERE toLower(p) IN $platforms)) AS platformOk,
            size([i IN range(0, size(levels) - 1)
                  WHERE ($sigmaMinLevelRank IS NULL OR levels[i] >= $sigmaMinLevelRank)
                    AND statuses[i] IN coalesce($sigmaStatuses, $defaultStatuses)
                    AND ($sigmaSources IS NULL OR sources[i] IN $sigmaSources)
                    AND ($sigmaFolders IS NULL OR folders[i] IN $sigmaFolders)
                    AND CASE WHEN $sigmaProducts IS NULL THEN true
                             ELSE any(p IN split(products[i], $item) WHERE p IN $sigmaProducts) END
                 ]) AS sigmaRules,
            coalesce(t.coverageCountermeasures, 0) AS countermeasures,
            CASE WHEN $atomicPlatforms IS NULL THEN size(coalesce(t.coverageAtomicPlatforms, []))
                 ELSE size([test IN coalesce(t.coverageAtomicPlatforms, [])
                            WHERE any(p IN split(test, $item) WHERE p IN $atomicPlatforms)])
            END AS atomicTests,
            coalesce(t.coverageMitigations, 0) AS mitigations,
            CASE WHEN $perTechnique OR $profile THEN users ELSE [] END AS users,
            CASE WHEN $perTechnique THEN t.platforms ELSE [] END AS platforms
     ORDER BY id`,
    {
      ...scope,
      profile,
      perTechnique,
      // As the facts name users: by label and id, so that a group filter never matches software of the same id.
      members: [
        ...(scope.groups ?? []).map((id) => `Group:${id}`),
        ...(scope.software ?? []).map((id) => `Software:${id}`),
        ...(scope.campaigns ?? []).map((id) => `Campaign:${id}`),
      ],
      defaultStatuses: DEFAULT_SIGMA_STATUSES,
      item: ITEM_SEPARATOR,
    },
  );
  return rows.map((row) => ({
    stixId: row.stixId as string,
    id: row.id as string,
    name: (row.name as string | null) ?? '',
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
