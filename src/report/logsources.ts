// Log-source reality: the inventory of collected Sigma log sources, which rules can fire, and the missing log
// sources ranked by the coverage they would unlock. Pure.
import yaml from 'js-yaml';
import { SourceError } from '../errors.js';
import type { InventoryRow, LogSourceEntry, RuleLogSource } from '../graph/logsources.js';

const FIELDS = ['product', 'category', 'service'] as const;

/** The most log sources an inventory may declare (each rule is checked against every one). */
export const MAX_LOG_SOURCES = 1000;

/** A stable key of a log source (`windows|process_creation|*`). */
export const logSourceKey = (entry: LogSourceEntry) => FIELDS.map((f) => entry[f] ?? '*').join('|');

/** Lower-cased, trimmed fields; empty ones become null. Throws with `where` when no field is given. */
export function normaliseLogSource(
  value: Partial<Record<(typeof FIELDS)[number], unknown>>,
  where: string,
): LogSourceEntry {
  const field = (name: (typeof FIELDS)[number]) => {
    const raw = value[name];
    if (raw === undefined || raw === null) return null;
    if (typeof raw !== 'string') throw new Error(`${where}: "${name}" must be a string, got ${JSON.stringify(raw)}`);
    return raw.trim().toLowerCase() || null;
  };
  const entry = { product: field('product'), category: field('category'), service: field('service') };
  if (!entry.product && !entry.category && !entry.service) {
    throw new Error(`${where}: a log source needs at least one of product, category, service`);
  }
  return entry;
}

/**
 * The inventory of a YAML file: `log_sources:` (or a bare list) of `{product, category, service}` entries, at
 * least one field each. Unknown keys are refused (a typo would silently widen an entry). Throws SourceError with
 * the file, the position and the reason; duplicate entries are kept once.
 */
export function parseInventory(text: string, file: string): LogSourceEntry[] {
  let doc: unknown;
  try {
    doc = yaml.load(text, { filename: file, schema: yaml.JSON_SCHEMA });
  } catch (error) {
    const mark = (error as { mark?: { line: number; column: number } }).mark;
    throw new SourceError(
      file,
      mark ? `line ${mark.line + 1}, column ${mark.column + 1}` : 'top level',
      `not valid YAML: ${(error as { reason?: string }).reason ?? (error as Error).message}`,
    );
  }
  const list = Array.isArray(doc) ? doc : (doc as { log_sources?: unknown } | null)?.log_sources;
  if (!Array.isArray(list)) {
    throw new SourceError(file, 'top level', 'expected `log_sources:` with a list of {product, category, service}');
  }
  if (list.length > MAX_LOG_SOURCES) {
    throw new SourceError(file, 'log_sources', `at most ${MAX_LOG_SOURCES} log sources; got ${list.length}`);
  }
  const seen = new Map<string, LogSourceEntry>();
  list.forEach((item, i) => {
    const where = `log_sources[${i}]`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      throw new SourceError(file, where, 'expected a mapping of product, category and service');
    }
    const unknown = Object.keys(item).filter((k) => !(FIELDS as readonly string[]).includes(k));
    if (unknown.length > 0) {
      throw new SourceError(file, where, `unknown key "${unknown[0]}" (a log source has product, category, service)`);
    }
    let entry: LogSourceEntry;
    try {
      entry = normaliseLogSource(item as Record<string, unknown>, where);
    } catch (error) {
      throw new SourceError(file, where, (error as Error).message.slice(where.length + 2));
    }
    seen.set(logSourceKey(entry), entry);
  });
  return [...seen.values()];
}

/**
 * Whether the inventory collects what a rule needs: some entry whose named fields the rule meets. A product the
 * entry names must be the rule's, unless the rule names none (a generic rule fires on any product); a category or
 * service the entry names must be the rule's own (`{windows, process_creation}` does not collect a rule that needs
 * the Sysmon service, nor `{windows, service: security}` a registry rule). A field the entry leaves out matches
 * anything: `{product: linux}` collects every Linux rule.
 */
export function collects(inventory: readonly LogSourceEntry[], rule: LogSourceEntry): boolean {
  return inventory.some(
    (entry) =>
      (entry.product === null || rule.product === null || entry.product === rule.product) &&
      (entry.category === null || entry.category === rule.category) &&
      (entry.service === null || entry.service === rule.service),
  );
}

/** A technique in scope as the log-source coverage reads it. */
export interface ScopedTechnique {
  stixId: string;
  id: string;
  tactics: string[];
}

export interface MissingLogSource {
  logsource: LogSourceEntry;
  /** Rules in scope that need it. */
  rules: number;
  /** Techniques in scope that no rule can detect now and that a rule needing it would: by ATT&CK id. */
  unlocked: ScopedTechnique[];
}

export interface LogSourceCounts {
  techniques: number;
  /** Techniques with a rule, whatever its log source (what `coverage` counts as detected). */
  detected: number;
  /** Techniques with a rule whose log source the inventory collects. */
  detectedByFiringRules: number;
}

export interface LogSourceCoverageModel {
  declared: boolean;
  inventory: LogSourceEntry[];
  totals: LogSourceCounts;
  tactics: { tacticId: string; counts: LogSourceCounts }[];
  rulesFiring: number;
  rulesMissingLogSource: number;
  missing: MissingLogSource[];
}

/** What the GraphQL type LogSourceCoverage resolves from: the model, the inventory and the tactics shown. */
export interface LogSourceCoverageResult extends LogSourceCoverageModel {
  inventoryRow: InventoryRow;
  tacticNodes: Record<string, unknown>[];
}

/** The name the GraphQL type MissingLogSource is generated against (codegen mapper). */
export type MissingLogSourceModel = MissingLogSource;

/**
 * Splits the detections of the techniques in scope by whether their rules can fire under the inventory, per
 * tactic (ids, in the given order) and in total, and ranks the log sources the rules need but the inventory lacks
 * by how many undetected-by-firing-rules techniques each would unlock, then by rules, then by key.
 */
export function logSourceCoverage(
  techniques: ScopedTechnique[],
  tacticIds: string[],
  rules: RuleLogSource[],
  inventory: LogSourceEntry[],
  declared: boolean,
): LogSourceCoverageModel {
  const inScope = new Map(techniques.map((t) => [t.stixId, t]));
  const detected = new Set<string>();
  const firing = new Set<string>();
  const needs = new Map<string, { logsource: LogSourceEntry; rules: number; techniques: Set<string> }>();
  let rulesFiring = 0;
  let rulesMissing = 0;
  for (const rule of rules) {
    const scoped = rule.techniques.filter((t) => inScope.has(t));
    if (scoped.length === 0) continue;
    const fires = collects(inventory, rule.logsource);
    if (fires) rulesFiring += 1;
    else rulesMissing += 1;
    for (const t of scoped) {
      detected.add(t);
      if (fires) firing.add(t);
    }
    if (!fires) {
      const key = logSourceKey(rule.logsource);
      const need = needs.get(key) ?? { logsource: rule.logsource, rules: 0, techniques: new Set<string>() };
      need.rules += 1;
      for (const t of scoped) need.techniques.add(t);
      needs.set(key, need);
    }
  }
  const counts = (list: ScopedTechnique[]): LogSourceCounts => ({
    techniques: list.length,
    detected: list.filter((t) => detected.has(t.stixId)).length,
    detectedByFiringRules: list.filter((t) => firing.has(t.stixId)).length,
  });
  const missing = [...needs.entries()]
    .map(([key, need]) => ({
      key,
      logsource: need.logsource,
      rules: need.rules,
      unlocked: [...need.techniques]
        .filter((t) => !firing.has(t))
        .map((t) => inScope.get(t) as ScopedTechnique)
        .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
    }))
    .sort(
      (a, b) =>
        b.unlocked.length - a.unlocked.length || b.rules - a.rules || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
    )
    .map(({ key: _key, ...rest }) => rest);
  return {
    declared,
    inventory,
    totals: counts(techniques),
    tactics: tacticIds.map((tacticId) => ({
      tacticId,
      counts: counts(techniques.filter((t) => t.tactics.includes(tacticId))),
    })),
    rulesFiring,
    rulesMissingLogSource: rulesMissing,
    missing,
  };
}
