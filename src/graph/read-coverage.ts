// The one query behind a coverage request: every technique in scope with its counts under the filter.
import { DEFAULT_SIGMA_STATUSES, ITEM_SEPARATOR, sigmaCountSlot } from './coverage-facts.js';
import type { Graph } from './driver.js';

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
 * A copy of `row` with `claimed` set, built field by field: a spread followed by a property (`{ ...row, claimed }`)
 * is slow in V8 over hundreds of rows (bench/notes.md step 38). A new optional field of CoverageRow must be added here
 * by hand (a required one fails to compile until it is).
 */
export function withClaim(row: CoverageRow, claimed: boolean): CoverageRow & { claimed: boolean } {
  return {
    stixId: row.stixId,
    id: row.id,
    name: row.name,
    parentId: row.parentId,
    tactics: row.tactics,
    inScope: row.inScope,
    sigmaRules: row.sigmaRules,
    countermeasures: row.countermeasures,
    atomicTests: row.atomicTests,
    mitigations: row.mitigations,
    users: row.users,
    platforms: row.platforms,
    claimed,
  };
}

/**
 * With a threat profile: the current techniques of the domain that its current members use, found from the members
 * (index seeks by id, then their USES edges) with those members as `users` (`Group:G0016`…, in the order of the
 * sorted `$members`), and their current parents in the domain that no member uses, with no users (for the roll-up).
 * The users come from the traversal: reading each technique's stored list of every user (up to 500 for the most
 * used ones) cost half of the statement.
 */
const PROFILE_TECHNIQUES = `CALL {
       MATCH (x:Group) WHERE x.id IN $groups RETURN x, 'Group:' + x.id AS member
       UNION MATCH (x:Software) WHERE x.id IN $software RETURN x, 'Software:' + x.id AS member
       UNION MATCH (x:Campaign) WHERE x.id IN $campaigns RETURN x, 'Campaign:' + x.id AS member
     }
     WITH x, member WHERE NOT x.revoked AND NOT x.deprecated
     MATCH (x)-[:USES]->(t:Technique)
     WHERE $domain IN t.domains AND NOT t.revoked AND NOT t.deprecated
     WITH t, collect(member) AS found
     WITH collect(t) AS used, collect({t: t, users: [m IN $members WHERE m IN found]}) AS rows
     UNWIND used AS sub
     OPTIONAL MATCH (sub)-[:SUBTECHNIQUE_OF]->(p:Technique)
     WHERE $domain IN p.domains AND NOT p.revoked AND NOT p.deprecated AND NOT p IN used
     WITH rows, collect(DISTINCT p) AS parents
     UNWIND rows + [p IN parents | {t: p, users: []}] AS row
     WITH row.t AS t, row.users AS users`;

/**
 * Whether a coverage filter restricts Sigma rules by more than a minimum level (statuses, sources, folders,
 * products): then each rule's facts are filtered; otherwise the counts the seed stored (`coverageSigmaCounts`) answer.
 */
export function filtersEachRule(scope: CoverageScope): boolean {
  return (
    scope.sigmaStatuses !== null ||
    scope.sigmaSources !== null ||
    scope.sigmaFolders !== null ||
    scope.sigmaProducts !== null
  );
}

/** Without a profile: every current technique of the domain, with the groups that use it when rows show them. */
const ALL_TECHNIQUES = `MATCH (t:Technique)
     WHERE $domain IN t.domains AND NOT t.revoked AND NOT t.deprecated
     WITH t, CASE WHEN $perTechnique THEN coalesce(t.coverageGroups, []) ELSE [] END AS users`;

/**
 * A Sigma filter on more than the minimum level (statuses, sources, folders, products) filters each rule's facts,
 * the parallel lists; without one, the count comes from `coverageSigmaCounts` (coverage-facts.ts).
 */
const SIGMA_PER_RULE = `WITH t, users, coalesce(t.coverageSigmaLevels, []) AS levels, t.coverageSigmaStatuses AS statuses,
          t.coverageSigmaSources AS sources, t.coverageSigmaFolders AS folders, t.coverageSigmaProducts AS products
     WITH t, users,
          size([i IN range(0, size(levels) - 1)
                WHERE ($sigmaMinLevelRank IS NULL OR levels[i] >= $sigmaMinLevelRank)
                  AND statuses[i] IN coalesce($sigmaStatuses, $defaultStatuses)
                  AND ($sigmaSources IS NULL OR sources[i] IN $sigmaSources)
                  AND ($sigmaFolders IS NULL OR folders[i] IN $sigmaFolders)
                  AND CASE WHEN $sigmaProducts IS NULL THEN true
                           ELSE any(p IN split(products[i], $item) WHERE p IN $sigmaProducts) END
               ]) AS sigmaRules`;

/**
 * Every current technique of the domain with its Sigma, D3FEND, Atomic and mitigation counts under the filter, in
 * one query whatever the size of the matrix, from the facts the seed stored on each technique (no traversal but a
 * threat profile's own USES edges).
 * Techniques outside the platform filter come too (marked `inScope: false`) so that sub-techniques can be rolled up
 * into parents; with a threat profile (groups, software, campaigns), only the profile's techniques and their parents.
 * With `perTechnique` false, rows leave out what only lists of techniques show (name and STIX id empty unless claims
 * are named, no platforms, and no users unless a profile needs them to be in scope): counts need none of it, and the
 * groups using each technique are most of what a whole matrix sends.
 */
export async function readCoverageRows(
  graph: Graph,
  scope: CoverageScope,
  perTechnique = true,
): Promise<CoverageRow[]> {
  const profile = scope.groups !== null || scope.software !== null || scope.campaigns !== null;
  const perRule = filtersEachRule(scope);
  const rows = await graph.read(
    `${profile ? PROFILE_TECHNIQUES : ALL_TECHNIQUES}
     ${perRule ? SIGMA_PER_RULE : 'WITH t, users, coalesce(t.coverageSigmaCounts[toInteger($sigmaSlot)], 0) AS sigmaRules'}
     // One list per row: for a whole matrix the driver's decoding of 691 records was the statement's larger cost,
     // and a list decodes for less than a record's fields.
     RETURN [CASE WHEN $stixIds THEN t.stixId END, t.id, CASE WHEN $perTechnique THEN t.name END, t.coverageParent,
             coalesce(t.coverageTactics, []),
             ($platforms IS NULL OR any(p IN t.platforms WHERE toLower(p) IN $platforms)),
             sigmaRules,
             coalesce(t.coverageCountermeasures, 0),
             CASE WHEN $atomicPlatforms IS NULL THEN coalesce(t.coverageAtomicTests, 0)
                  ELSE size([test IN coalesce(t.coverageAtomicPlatforms, [])
                             WHERE any(p IN split(test, $item) WHERE p IN $atomicPlatforms)])
             END,
             coalesce(t.coverageMitigations, 0),
             CASE WHEN $perTechnique OR $profile THEN users ELSE [] END,
             CASE WHEN $perTechnique THEN t.platforms ELSE [] END] AS row
     ORDER BY t.id`,
    {
      ...scope,
      profile,
      perTechnique,
      // A technique's STIX id serves the lists of techniques and the claims filter (claims name STIX ids).
      stixIds: perTechnique || (scope.claims ?? null) !== null,
      // Users by label and id, so that a group filter never matches software of the same id; sorted, as rows list them.
      members: [
        ...new Set([
          ...(scope.groups ?? []).map((id) => `Group:${id}`),
          ...(scope.software ?? []).map((id) => `Software:${id}`),
          ...(scope.campaigns ?? []).map((id) => `Campaign:${id}`),
        ]),
      ].sort(),
      defaultStatuses: DEFAULT_SIGMA_STATUSES,
      sigmaSlot: sigmaCountSlot(scope.sigmaMinLevelRank),
      item: ITEM_SEPARATOR,
    },
  );
  return rows.map(({ row }) => {
    const [
      stixId,
      id,
      name,
      parentId,
      tactics,
      platformOk,
      sigmaRules,
      countermeasures,
      atomicTests,
      mitigations,
      users,
      platforms,
    ] = row as [
      string | null,
      string,
      string | null,
      string | null,
      string[],
      boolean,
      number,
      number,
      number,
      number,
      string[],
      string[] | null,
    ];
    return {
      stixId: stixId ?? '',
      id,
      name: name ?? '',
      parentId: parentId ?? null,
      tactics,
      inScope: platformOk === true && (!profile || users.length > 0),
      sigmaRules: Number(sigmaRules),
      countermeasures: Number(countermeasures),
      atomicTests: Number(atomicTests),
      mitigations: Number(mitigations),
      users,
      platforms: platforms ?? [],
    };
  });
}
