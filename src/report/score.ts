// Quality-weighted coverage score of a technique: weights, their validation, the arithmetic and its explanation. Pure.

/** Every weight of the score; the defaults are DEFAULT_WEIGHTS, a YAML file (SCORE_WEIGHTS_FILE) or a request may change them. */
export interface ScoreWeights {
  /** The most each part can give; the score's maximum is their sum. */
  points: { sigma: number; countermeasures: number; atomic: number };
  sigma: {
    /** Weighted rules (after collapsing) that fill the Sigma part. */
    saturation: number;
    status: Record<string, number>;
    level: Record<string, number>;
    /** `related` types that make two rules one detection (the newer derived from, replacing or merging the other). */
    collapse: string[];
  };
  /** Per D3FEND tactic (lower case): what having at least one countermeasure of it is worth. */
  countermeasures: { tactics: Record<string, number> };
  atomic: { saturation: number };
}

export const DEFAULT_WEIGHTS: ScoreWeights = {
  points: { sigma: 50, countermeasures: 30, atomic: 20 },
  sigma: {
    saturation: 2,
    status: { stable: 1, test: 0.8, experimental: 0.5, deprecated: 0, unsupported: 0 },
    level: { critical: 1, high: 0.8, medium: 0.5, low: 0.25, informational: 0.1 },
    collapse: ['derived', 'obsolete', 'merged', 'renamed'],
  },
  countermeasures: {
    tactics: { detect: 1, harden: 0.8, isolate: 0.8, evict: 0.6, deceive: 0.5, restore: 0.4, model: 0 },
  },
  atomic: { saturation: 3 },
};

/** A bad weight: where it is (a dotted path) and why. */
export class WeightsError extends Error {
  constructor(
    readonly where: string,
    reason: string,
  ) {
    super(`${where}: ${reason}`);
  }
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * `base` with the weights `given` names replaced (a partial object of the same shape, as a YAML file or a request
 * gives it); throws WeightsError naming the first unknown key or bad value. Maps of names (statuses, levels,
 * tactics) take any name, lower-cased; numbers must be finite and not negative, saturations above zero.
 */
export function mergeWeights(base: ScoreWeights, given: unknown, where = 'weights'): ScoreWeights {
  if (given === undefined || given === null) return base;
  if (!isObject(given)) throw new WeightsError(where, 'expected a mapping');
  const number = (value: unknown, at: string, positive = false) => {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (positive && value === 0)) {
      throw new WeightsError(
        at,
        `expected a ${positive ? 'positive' : 'non-negative'} number, got ${JSON.stringify(value)}`,
      );
    }
    return value;
  };
  const known = (value: Record<string, unknown>, keys: string[], at: string) => {
    for (const key of Object.keys(value)) {
      if (!keys.includes(key))
        throw new WeightsError(`${at}.${key}`, `unknown key (expected one of ${keys.join(', ')})`);
    }
  };
  const section = (value: unknown, at: string) => {
    if (value === undefined) return {};
    if (!isObject(value)) throw new WeightsError(at, 'expected a mapping');
    return value;
  };
  const names = (value: unknown, at: string, into: Record<string, number>) => {
    const out = { ...into };
    for (const [name, weight] of Object.entries(section(value, at)))
      out[name.toLowerCase()] = number(weight, `${at}.${name}`);
    return out;
  };
  known(given, ['points', 'sigma', 'countermeasures', 'atomic'], where);
  const points = section(given.points, `${where}.points`);
  known(points, ['sigma', 'countermeasures', 'atomic'], `${where}.points`);
  const sigma = section(given.sigma, `${where}.sigma`);
  known(sigma, ['saturation', 'status', 'level', 'collapse'], `${where}.sigma`);
  const counters = section(given.countermeasures, `${where}.countermeasures`);
  known(counters, ['tactics'], `${where}.countermeasures`);
  const atomic = section(given.atomic, `${where}.atomic`);
  known(atomic, ['saturation'], `${where}.atomic`);
  let collapse = base.sigma.collapse;
  if (sigma.collapse !== undefined) {
    if (!Array.isArray(sigma.collapse) || !sigma.collapse.every((t) => typeof t === 'string')) {
      throw new WeightsError(`${where}.sigma.collapse`, 'expected a list of `related` types');
    }
    collapse = sigma.collapse.map((t) => t.toLowerCase());
  }
  const pick = (value: unknown, fallback: number, at: string, positive = false) =>
    value === undefined ? fallback : number(value, at, positive);
  return {
    points: {
      sigma: pick(points.sigma, base.points.sigma, `${where}.points.sigma`),
      countermeasures: pick(points.countermeasures, base.points.countermeasures, `${where}.points.countermeasures`),
      atomic: pick(points.atomic, base.points.atomic, `${where}.points.atomic`),
    },
    sigma: {
      saturation: pick(sigma.saturation, base.sigma.saturation, `${where}.sigma.saturation`, true),
      status: names(sigma.status, `${where}.sigma.status`, base.sigma.status),
      level: names(sigma.level, `${where}.sigma.level`, base.sigma.level),
      collapse,
    },
    countermeasures: {
      tactics: names(counters.tactics, `${where}.countermeasures.tactics`, base.countermeasures.tactics),
    },
    atomic: { saturation: pick(atomic.saturation, base.atomic.saturation, `${where}.atomic.saturation`, true) },
  };
}

/** What the score reads of a technique's evidence. */
export interface ScoreInput {
  sigmaRules: {
    id: string;
    title: string;
    status: string;
    level: string;
    relatedIds: string[];
    relatedTypes: string[];
  }[];
  /** Current countermeasures with their D3FEND tactic. */
  countermeasures: { id: string; name: string; tactic: string }[];
  atomicTests: number;
}

export type ScorePartName = 'SIGMA_RULES' | 'COUNTERMEASURES' | 'ATOMIC_TESTS';

/** One thing that added to a part (weight above 0): a detection (rules collapsed into one), a D3FEND tactic, the tests. */
export interface ScoreContribution {
  key: string;
  label: string;
  /** Its weight before the part's scaling (a rule's status × level, a tactic's weight, a test count). */
  weight: number;
  note: string;
}

export interface ScorePart {
  part: ScorePartName;
  points: number;
  maximum: number;
  contributions: ScoreContribution[];
  /** How the part's points follow from its contributions. */
  formula: string;
}

export interface TechniqueScore {
  total: number;
  maximum: number;
  parts: ScorePart[];
  explanation: string;
}

/** The name the GraphQL type TechniqueScore is generated against (codegen mapper). */
export type TechniqueScoreModel = TechniqueScore;

const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

/**
 * Groups of rules that are one detection: rules with the same id (copies in several sources), and rules linked by a
 * `related` entry of a collapsing type (either way), within the technique's rules; each group in the order of its
 * first rule.
 */
function detections(rules: ScoreInput['sigmaRules'], collapse: string[]): ScoreInput['sigmaRules'][] {
  const parent = rules.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) i = parent[i] as number;
    return i;
  };
  const index = new Map<string, number[]>();
  rules.forEach((rule, i) => {
    // The same rule id in several sources (SigmaHQ's and an organisation's copy) is one detection.
    for (const j of index.get(rule.id) ?? []) parent[find(j)] = find(i);
    index.set(rule.id, [...(index.get(rule.id) ?? []), i]);
  });
  rules.forEach((rule, i) => {
    rule.relatedIds.forEach((id, k) => {
      if (!collapse.includes((rule.relatedTypes[k] ?? '').toLowerCase())) return;
      for (const j of index.get(id) ?? []) parent[find(j)] = find(i);
    });
  });
  const groups = new Map<number, ScoreInput['sigmaRules']>();
  rules.forEach((rule, i) => {
    groups.set(find(i), [...(groups.get(find(i)) ?? []), rule]);
  });
  return [...groups.values()];
}

/** The score of one technique's evidence under `weights`, with every contribution and an explanation. */
export function scoreTechnique(input: ScoreInput, weights: ScoreWeights): TechniqueScore {
  const ruleWeight = (rule: ScoreInput['sigmaRules'][number]) =>
    (weights.sigma.status[rule.status.toLowerCase()] ?? 0) * (weights.sigma.level[rule.level.toLowerCase()] ?? 0);
  const sigmaContributions = detections(input.sigmaRules, weights.sigma.collapse)
    .map((group) => {
      const best = group.reduce((a, b) => (ruleWeight(b) > ruleWeight(a) ? b : a));
      const others = group.filter((r) => r !== best);
      return {
        key: best.id,
        label: best.title,
        weight: round(ruleWeight(best), 3),
        note:
          `${best.status || 'no status'} × ${best.level || 'no level'}` +
          (others.length ? `; counted once with ${others.map((r) => r.id).join(', ')} (related)` : ''),
      };
    })
    .filter((c) => c.weight > 0)
    .sort((a, b) => b.weight - a.weight || a.key.localeCompare(b.key));
  const sigmaSum = sigmaContributions.reduce((sum, c) => sum + c.weight, 0);

  const tacticWeights = weights.countermeasures.tactics;
  const allTactics = Object.values(tacticWeights).reduce((sum, w) => sum + w, 0);
  const byTactic = new Map<string, string[]>();
  for (const c of input.countermeasures) {
    const tactic = c.tactic.toLowerCase();
    byTactic.set(tactic, [...(byTactic.get(tactic) ?? []), c.id]);
  }
  const counterContributions = [...byTactic]
    .map(([tactic, ids]) => ({
      key: tactic,
      label: `${tactic[0]?.toUpperCase() ?? ''}${tactic.slice(1)}`,
      weight: tacticWeights[tactic] ?? 0,
      note: `${ids.length} countermeasure${ids.length > 1 ? 's' : ''}: ${ids.slice(0, 5).join(', ')}${ids.length > 5 ? ', …' : ''}`,
    }))
    .filter((c) => c.weight > 0)
    .sort((a, b) => b.weight - a.weight || a.key.localeCompare(b.key));
  const counterSum = counterContributions.reduce((sum, c) => sum + c.weight, 0);

  const parts: ScorePart[] = [
    {
      part: 'SIGMA_RULES',
      maximum: weights.points.sigma,
      points: round(weights.points.sigma * Math.min(1, sigmaSum / weights.sigma.saturation)),
      contributions: sigmaContributions,
      formula: `${weights.points.sigma} × min(1, ${round(sigmaSum, 3)} / ${weights.sigma.saturation})`,
    },
    {
      part: 'COUNTERMEASURES',
      maximum: weights.points.countermeasures,
      points: allTactics === 0 ? 0 : round((weights.points.countermeasures * counterSum) / allTactics),
      contributions: counterContributions,
      formula: `${weights.points.countermeasures} × ${round(counterSum, 3)} / ${round(allTactics, 3)}`,
    },
    {
      part: 'ATOMIC_TESTS',
      maximum: weights.points.atomic,
      points: round(weights.points.atomic * Math.min(1, input.atomicTests / weights.atomic.saturation)),
      contributions:
        input.atomicTests > 0
          ? [{ key: 'atomic', label: 'Atomic Red Team tests', weight: input.atomicTests, note: '' }]
          : [],
      formula: `${weights.points.atomic} × min(1, ${input.atomicTests} / ${weights.atomic.saturation})`,
    },
  ];
  const total = round(parts.reduce((sum, p) => sum + p.points, 0));
  const maximum = round(parts.reduce((sum, p) => sum + p.maximum, 0));
  const lines = [`${total} of ${maximum}`];
  for (const part of parts) {
    lines.push(`${part.part}: ${part.points} of ${part.maximum} = ${part.formula}`);
    for (const c of part.contributions) {
      const key = c.key === c.label.toLowerCase() || c.key === 'atomic' ? '' : ` [${c.key}]`;
      lines.push(`  ${c.weight}  ${c.label}${key}${c.note ? ` (${c.note})` : ''}`);
    }
  }
  return { total, maximum, parts, explanation: lines.join('\n') };
}
