// ATT&CK version drift: what changed between two releases, what it means for the rules and tests, and coverage
// per tactic before and after; a Navigator layer of the differences. Pure.
import type { EvidenceRows, ReleaseRow, TacticVersionRow, TechniqueVersionRow } from '../graph/read-releases.js';
import { type Counts, countsOf } from './coverage.js';
import { LAYER_SETTINGS } from './layer.js';

export type ChangeKind =
  | 'ADDED'
  | 'REMOVED'
  | 'REVOKED'
  | 'DEPRECATED'
  | 'RENAMED'
  | 'TACTICS_CHANGED'
  | 'PLATFORMS_CHANGED'
  | 'DESCRIPTION_CHANGED';

/** Display order of the kinds, and what a layer says of each. */
export const CHANGE_KINDS: readonly ChangeKind[] = [
  'ADDED',
  'REMOVED',
  'REVOKED',
  'DEPRECATED',
  'RENAMED',
  'TACTICS_CHANGED',
  'PLATFORMS_CHANGED',
  'DESCRIPTION_CHANGED',
];

/** One technique that differs between the releases (matched by STIX id, which ATT&CK keeps across releases). */
export interface TechniqueChange {
  id: string;
  name: string;
  kinds: ChangeKind[];
  before: TechniqueVersionRow | null;
  after: TechniqueVersionRow | null;
  /** For a revoked technique: the current techniques of the newer release that replace it (revocation chains followed). */
  replacedBy: TechniqueVersionRow[];
}

export type StaleStatus = 'REVOKED' | 'DEPRECATED' | 'UNKNOWN';

/** A technique id that rules or tests name and that is not current in the newer release. */
export interface StaleReference {
  techniqueId: string;
  status: StaleStatus;
  /** Where they should point now: the replacements in the newer release (none when deprecated or unknown). */
  replacements: TechniqueVersionRow[];
  /** Whether the id was a current technique of the older release (it went stale between the two). */
  newlyStale: boolean;
  /** Sigma rule uids and Atomic test guids that name it. */
  sigmaRules: string[];
  atomicTests: string[];
}

/** Coverage of one tactic in both releases (null where the release has no such tactic). */
export interface TacticChange {
  tactic: TacticVersionRow;
  before: Counts | null;
  after: Counts | null;
}

export interface AttackChanges {
  changes: TechniqueChange[];
  stale: StaleReference[];
  tactics: TacticChange[];
  totalsBefore: Counts;
  totalsAfter: Counts;
}

/** The names the GraphQL types TechniqueChange and StaleReference are generated against (codegen mappers). */
export type TechniqueChangeModel = TechniqueChange;
export type StaleReferenceModel = StaleReference;

/** What the GraphQL type AttackChanges resolves from: the two releases and their comparison. */
export interface AttackChangesModel extends AttackChanges {
  domain: string;
  from: ReleaseRow;
  to: ReleaseRow;
}

const isCurrent = (t: TechniqueVersionRow) => !t.revoked && !t.deprecated;
/** Same members, in any order (a release may reorder its tactics without moving a technique). */
const sameSet = (a: readonly string[], b: readonly string[]) => {
  const members = new Set(a);
  return members.size === new Set(b).size && b.every((x) => members.has(x));
};
const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** The current techniques that replace `start` in a release, following revocation chains (to a depth of 10). */
function replacementsOf(start: TechniqueVersionRow, release: Map<string, TechniqueVersionRow>): TechniqueVersionRow[] {
  const seen = new Set<string>([start.id]);
  const found = new Map<string, TechniqueVersionRow>();
  let frontier = [start];
  for (let depth = 0; depth < 10 && frontier.length > 0; depth++) {
    const next: TechniqueVersionRow[] = [];
    for (const t of frontier) {
      for (const id of t.revokedBy) {
        const r = release.get(id);
        if (!r || seen.has(id)) continue;
        seen.add(id);
        if (isCurrent(r)) found.set(id, r);
        next.push(r);
      }
    }
    frontier = next;
  }
  return [...found.values()].sort(byId);
}

/** A release's techniques by ATT&CK id; where two share an id, the current one wins. */
function indexById(techniques: TechniqueVersionRow[]): Map<string, TechniqueVersionRow> {
  const index = new Map<string, TechniqueVersionRow>();
  for (const t of techniques) {
    const had = index.get(t.id);
    if (!had || (!isCurrent(had) && isCurrent(t))) index.set(t.id, t);
  }
  return index;
}

/**
 * Coverage of a release's current techniques under the evidence, as the coverage query counts it without a filter
 * (no roll-up): Sigma rules of the default statuses whose tags name the technique, or name a technique the release
 * revoked in its favour; Atomic tests of its id; current D3FEND techniques that counter its id.
 */
function coverageOf(
  techniques: TechniqueVersionRow[],
  tactics: TacticVersionRow[],
  evidence: EvidenceRows,
  countedStatuses: readonly string[],
): { tactics: Map<string, Counts>; totals: Counts } {
  const release = indexById(techniques);
  const detected = new Set<string>();
  for (const rule of evidence.sigmaRules) {
    if (!countedStatuses.includes(rule.status)) continue;
    for (const tag of rule.techniqueIds) {
      const t = release.get(tag);
      if (!t) continue;
      detected.add(t.id);
      if (t.revoked) for (const r of replacementsOf(t, release)) detected.add(r.id);
    }
  }
  const tested = new Set(evidence.atomicTests.map((a) => a.techniqueId));
  const countered = new Set(evidence.countermeasures.flatMap((c) => c.counters));
  const current = [...release.values()].filter(isCurrent);
  const row = (t: TechniqueVersionRow) => ({
    tactics: t.tactics,
    detected: detected.has(t.id),
    countered: countered.has(t.id),
    tested: tested.has(t.id),
    claimed: false,
  });
  const rows = current.map(row);
  return {
    tactics: new Map(tactics.map((a) => [a.shortname, countsOf(rows.filter((r) => r.tactics.includes(a.shortname)))])),
    totals: countsOf(rows),
  };
}

/** Compares two releases' catalogues under the graph's evidence. */
export function compareReleases(
  from: { techniques: TechniqueVersionRow[]; tactics: TacticVersionRow[] },
  to: { techniques: TechniqueVersionRow[]; tactics: TacticVersionRow[] },
  evidence: EvidenceRows,
  countedStatuses: readonly string[],
): AttackChanges {
  const before = new Map(from.techniques.map((t) => [t.stixId, t]));
  const after = new Map(to.techniques.map((t) => [t.stixId, t]));
  const afterById = indexById(to.techniques);
  const beforeById = indexById(from.techniques);
  const changes: TechniqueChange[] = [];
  for (const stixId of new Set([...before.keys(), ...after.keys()])) {
    const [b, a] = [before.get(stixId) ?? null, after.get(stixId) ?? null];
    const kinds: ChangeKind[] = [];
    if (!b && a && isCurrent(a)) kinds.push('ADDED');
    if (b && !a && isCurrent(b)) kinds.push('REMOVED');
    if (b && a && isCurrent(b) && a.revoked) kinds.push('REVOKED');
    if (b && a && isCurrent(b) && !a.revoked && a.deprecated) kinds.push('DEPRECATED');
    if (b && a && isCurrent(b) && isCurrent(a)) {
      if (b.name !== a.name) kinds.push('RENAMED');
      if (!sameSet(b.tactics, a.tactics)) kinds.push('TACTICS_CHANGED');
      if (!sameSet(b.platforms, a.platforms)) kinds.push('PLATFORMS_CHANGED');
      if (b.descriptionHash !== a.descriptionHash) kinds.push('DESCRIPTION_CHANGED');
    }
    if (kinds.length === 0) continue;
    const shown = (a ?? b) as TechniqueVersionRow;
    changes.push({
      id: shown.id,
      name: shown.name,
      kinds,
      before: b,
      after: a,
      replacedBy: a?.revoked ? replacementsOf(a, afterById) : [],
    });
  }
  changes.sort((x, y) => byId(x, y) || (x.before?.stixId ?? '').localeCompare(y.before?.stixId ?? ''));

  const named = new Map<string, { sigmaRules: string[]; atomicTests: string[] }>();
  const name = (id: string) => {
    const entry = named.get(id) ?? { sigmaRules: [], atomicTests: [] };
    named.set(id, entry);
    return entry;
  };
  for (const rule of evidence.sigmaRules)
    for (const id of new Set(rule.techniqueIds)) name(id).sigmaRules.push(rule.uid);
  for (const test of evidence.atomicTests) name(test.techniqueId).atomicTests.push(test.guid);
  const stale: StaleReference[] = [];
  for (const [id, users] of named) {
    const a = afterById.get(id);
    if (a && isCurrent(a)) continue;
    const status: StaleStatus = !a ? 'UNKNOWN' : a.revoked ? 'REVOKED' : 'DEPRECATED';
    const b = beforeById.get(id);
    stale.push({
      techniqueId: id,
      status,
      replacements: a?.revoked ? replacementsOf(a, afterById) : [],
      newlyStale: b !== undefined && isCurrent(b),
      sigmaRules: users.sigmaRules.sort(),
      atomicTests: users.atomicTests.sort(),
    });
  }
  stale.sort((x, y) => (x.techniqueId < y.techniqueId ? -1 : x.techniqueId > y.techniqueId ? 1 : 0));

  const old = coverageOf(from.techniques, from.tactics, evidence, countedStatuses);
  const now = coverageOf(to.techniques, to.tactics, evidence, countedStatuses);
  // The newer release's tactics in its order, then tactics only the older one had.
  const tactics = [...to.tactics, ...from.tactics.filter((t) => !to.tactics.some((n) => n.shortname === t.shortname))];
  return {
    changes,
    stale,
    tactics: tactics.map((tactic) => ({
      tactic,
      before: from.tactics.some((t) => t.shortname === tactic.shortname)
        ? (old.tactics.get(tactic.shortname) ?? null)
        : null,
      after: to.tactics.some((t) => t.shortname === tactic.shortname)
        ? (now.tactics.get(tactic.shortname) ?? null)
        : null,
    })),
    totalsBefore: old.totals,
    totalsAfter: now.totals,
  };
}

const KIND_COLOUR: Record<ChangeKind, string> = {
  ADDED: '#8ec843',
  REMOVED: '#ff6666',
  REVOKED: '#ff6666',
  DEPRECATED: '#ff9e66',
  RENAMED: '#66b1ff',
  TACTICS_CHANGED: '#c38cf2',
  PLATFORMS_CHANGED: '#ffe766',
  DESCRIPTION_CHANGED: '#dddddd',
};

const KIND_LABEL: Record<ChangeKind, string> = {
  ADDED: 'added',
  REMOVED: 'removed',
  REVOKED: 'revoked',
  DEPRECATED: 'deprecated',
  RENAMED: 'renamed',
  TACTICS_CHANGED: 'moved between tactics',
  PLATFORMS_CHANGED: 'platforms changed',
  DESCRIPTION_CHANGED: 'description changed',
};

/** What one change says in a layer comment. */
function describe(change: TechniqueChange): string {
  const parts: string[] = [];
  for (const kind of change.kinds) {
    const { before: b, after: a } = change;
    if (kind === 'RENAMED') parts.push(`renamed from "${b?.name}"`);
    else if (kind === 'TACTICS_CHANGED') parts.push(`tactics ${b?.tactics.join(', ')} -> ${a?.tactics.join(', ')}`);
    else if (kind === 'PLATFORMS_CHANGED')
      parts.push(`platforms ${b?.platforms.join(', ')} -> ${a?.platforms.join(', ')}`);
    else if (kind === 'REVOKED')
      parts.push(
        `revoked${change.replacedBy.length ? `, replaced by ${change.replacedBy.map((r) => r.id).join(', ')}` : ''}`,
      );
    else parts.push(KIND_LABEL[kind]);
  }
  return parts.join('; ');
}

/**
 * A Navigator layer (4.5) of the differences, over the newer release: each changed technique, under each of its
 * tactics (the older release's for removed, revoked and deprecated ones, which the newer matrix may not show), is
 * coloured by its first kind of change and commented with all of them; the score is the number of kinds.
 */
export function changesLayer(
  changes: TechniqueChange[],
  options: { domain: string; from: string; to: string },
): Record<string, unknown> {
  const techniques = changes.flatMap((change) => {
    const tactics = (change.after && !change.after.revoked && !change.after.deprecated ? change.after : change.before)
      ?.tactics;
    const first = change.kinds[0] as ChangeKind;
    return (tactics ?? []).map((tactic) => ({
      techniqueID: change.id,
      tactic,
      score: change.kinds.length,
      color: KIND_COLOUR[first],
      comment: describe(change),
      enabled: true,
      metadata: change.kinds.map((kind) => ({ name: 'change', value: KIND_LABEL[kind] })),
      links: [],
      showSubtechniques: false,
    }));
  });
  const used = CHANGE_KINDS.filter((kind) => changes.some((c) => c.kinds[0] === kind));
  return {
    name: `coverage-graph: ATT&CK ${options.from} -> ${options.to}`,
    versions: { attack: options.to.split('.')[0], navigator: '5.1.0', layer: '4.5' },
    domain: options.domain,
    description: `Techniques that changed between ATT&CK ${options.from} and ${options.to}, coloured by their first kind of change`,
    sorting: 0,
    layout: {
      layout: 'side',
      aggregateFunction: 'max',
      showID: true,
      showName: true,
      showAggregateScores: false,
      countUnscored: false,
      expandedSubtechniques: 'annotated',
    },
    hideDisabled: false,
    techniques,
    gradient: { colors: ['#ffffffff', '#66b1ffff'], minValue: 0, maxValue: CHANGE_KINDS.length },
    legendItems: used.map((kind) => ({ label: KIND_LABEL[kind], color: KIND_COLOUR[kind] })),
    metadata: [
      { name: 'generated by', value: 'coverage-graph' },
      { name: 'from', value: options.from },
      { name: 'to', value: options.to },
    ],
    ...LAYER_SETTINGS,
  };
}
