// Read queries of ATT&CK release catalogues, and of the evidence (rules, tests, countermeasures) by ATT&CK id.
import type { Graph } from './driver.js';

/** One release catalogue in the graph (a Dataset of source `attack-release`). */
export interface ReleaseRow {
  name: string;
  domain: string;
  version: string;
  location: string;
  loadedAt: string;
  /** Whether the graph's own techniques come from this release (its domain's Dataset has this version). */
  current: boolean;
  /** Techniques of the release that are neither revoked nor deprecated. */
  techniques: number;
}

/** A technique as one release has it. */
export interface TechniqueVersionRow {
  stixId: string;
  id: string;
  name: string;
  tactics: string[];
  platforms: string[];
  descriptionHash: string;
  revoked: boolean;
  deprecated: boolean;
  revokedBy: string[];
  parentId: string | null;
}

/** A tactic as one release has it. */
export interface TacticVersionRow {
  stixId: string;
  id: string;
  name: string;
  shortname: string;
  order: number | null;
}

/** The evidence of the graph by the ATT&CK ids it names, whatever release those ids belong to. */
export interface EvidenceRows {
  sigmaRules: { uid: string; status: string; techniqueIds: string[] }[];
  atomicTests: { guid: string; techniqueId: string }[];
  /** Current (not deprecated) D3FEND techniques and the ATT&CK ids they counter. */
  countermeasures: { id: string; counters: string[] }[];
}

/** The release catalogues in the graph, by domain then version (numerically). */
export async function readReleases(graph: Graph): Promise<ReleaseRow[]> {
  const rows = await graph.read(
    `MATCH (d:Dataset {source: 'attack-release'})
     OPTIONAL MATCH (graphData:Dataset {name: 'attack:' + d.domain})
     RETURN d.name AS name, d.domain AS domain, d.version AS version, d.location AS location, d.loadedAt AS loadedAt,
            coalesce(graphData.version = d.version, false) AS current,
            COUNT { MATCH (t:TechniqueVersion {release: d.name}) WHERE NOT t.revoked AND NOT t.deprecated } AS techniques`,
  );
  const rank = (version: string) => version.split('.').map(Number);
  const compare = (a: string, b: string) => {
    const [x, y] = [rank(a), rank(b)];
    for (let i = 0; i < Math.max(x.length, y.length); i++)
      if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
    return 0;
  };
  return rows
    .map((row) => ({
      name: String(row.name),
      domain: String(row.domain),
      version: String(row.version),
      location: String(row.location ?? ''),
      loadedAt: String(row.loadedAt ?? ''),
      current: row.current === true,
      techniques: Number(row.techniques),
    }))
    .sort((a, b) => a.domain.localeCompare(b.domain) || compare(a.version, b.version));
}

/** Every technique and tactic of one release catalogue (by its Dataset name), by ATT&CK id. */
export async function readReleaseCatalogue(
  graph: Graph,
  release: string,
): Promise<{ techniques: TechniqueVersionRow[]; tactics: TacticVersionRow[] }> {
  const [row] = await graph.read(
    `RETURN COLLECT {
              MATCH (t:TechniqueVersion {release: $release})
              RETURN t {.stixId, .id, .name, .tactics, .platforms, .descriptionHash, .revoked, .deprecated, .revokedBy,
                        .parentId} AS t ORDER BY t.id, t.stixId
            } AS techniques,
            COLLECT {
              MATCH (a:TacticVersion {release: $release})
              RETURN a {.stixId, .id, .name, .shortname, .order} AS a ORDER BY a.order, a.id
            } AS tactics`,
    { release },
  );
  return {
    techniques: ((row?.techniques as Record<string, unknown>[]) ?? []).map((t) => ({
      stixId: String(t.stixId),
      id: String(t.id),
      name: String(t.name),
      tactics: (t.tactics as string[]) ?? [],
      platforms: (t.platforms as string[]) ?? [],
      descriptionHash: String(t.descriptionHash ?? ''),
      revoked: t.revoked === true,
      deprecated: t.deprecated === true,
      revokedBy: (t.revokedBy as string[]) ?? [],
      parentId: (t.parentId as string | null) ?? null,
    })),
    tactics: ((row?.tactics as Record<string, unknown>[]) ?? []).map((a) => ({
      stixId: String(a.stixId),
      id: String(a.id),
      name: String(a.name),
      shortname: String(a.shortname ?? ''),
      order: a.order === null || a.order === undefined ? null : Number(a.order),
    })),
  };
}

/** Every Sigma rule's technique tags and status, every Atomic test's technique, every current countermeasure. */
export async function readEvidence(graph: Graph): Promise<EvidenceRows> {
  const [row] = await graph.read(
    `RETURN COLLECT {
              MATCH (s:SigmaRule) WHERE size(s.techniqueIds) > 0
              RETURN [s.uid, s.status, s.techniqueIds] AS r ORDER BY s.uid
            } AS sigma,
            COLLECT { MATCH (a:AtomicTest) RETURN [a.guid, a.techniqueId] AS r ORDER BY a.guid } AS atomic,
            COLLECT {
              MATCH (d:D3fendTechnique) WHERE NOT d.deprecated AND size(coalesce(d.counters, [])) > 0
              RETURN [d.id, d.counters] AS r ORDER BY d.id
            } AS counters`,
  );
  const list = (key: string) => (row?.[key] as unknown[][]) ?? [];
  return {
    sigmaRules: list('sigma').map(([uid, status, ids]) => ({
      uid: String(uid),
      status: String(status ?? ''),
      techniqueIds: (ids as string[]) ?? [],
    })),
    atomicTests: list('atomic').map(([guid, id]) => ({ guid: String(guid), techniqueId: String(id) })),
    countermeasures: list('counters').map(([id, counters]) => ({ id: String(id), counters: counters as string[] })),
  };
}
