// Pure parser: an ATT&CK Navigator layer (JSON) -> the coverage it claims, technique by technique. No database.
import { SourceError } from '../errors.js';
import { parseJsonFile } from './json.js';

/** One technique entry of a layer, as a claim reads it. */
export interface ClaimEntry {
  /** ATT&CK id, upper case (`T1003.001`). */
  techniqueId: string;
  tactic: string | null;
  score: number | null;
  color: string | null;
  comment: string | null;
  /** Whether the entry claims coverage: enabled, and a score above 0 (or, without a score, a colour). */
  claims: boolean;
}

/** What a layer claims: its own name, domain and ATT&CK version, and its entries. */
export interface ParsedLayer {
  layerName: string | null;
  domain: string;
  attackVersion: string | null;
  entries: ClaimEntry[];
}

const DOMAINS = ['enterprise-attack', 'mobile-attack', 'ics-attack'];
/** The most entries a layer may have (every technique of Enterprise under each of its tactics is about 1,400). */
const MAX_ENTRIES = 20_000;
const TECHNIQUE_ID = /^T\d{4}(\.\d{3})?$/i;

/**
 * Reads a Navigator layer (formats 4.x): `domain` (one of the ATT&CK domains; a layer without one is Enterprise)
 * and `techniques`, each with a `techniqueID`. An entry claims coverage when it is enabled (the default) and has a
 * score above 0, or has no score but a colour (layers that mark coverage by colour); a score of 0 says "not
 * covered". Throws SourceError with the file, the position (line and column for bad JSON, `techniques[i]` for a bad
 * entry) and the reason.
 */
export function parseNavigatorLayer(text: string, file: string): ParsedLayer {
  const doc = parseJsonFile(text, file);
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new SourceError(file, 'top level', 'not a Navigator layer: expected a JSON object with "techniques"');
  }
  const layer = doc as Record<string, unknown>;
  const domain = layer.domain === undefined ? 'enterprise-attack' : layer.domain;
  if (typeof domain !== 'string' || !DOMAINS.includes(domain)) {
    throw new SourceError(
      file,
      'domain',
      `"domain" must be one of ${DOMAINS.join(', ')}; got ${JSON.stringify(domain)}`,
    );
  }
  if (!Array.isArray(layer.techniques)) {
    throw new SourceError(file, 'techniques', 'not a Navigator layer: "techniques" is missing or not a list');
  }
  if (layer.techniques.length > MAX_ENTRIES) {
    throw new SourceError(file, 'techniques', `at most ${MAX_ENTRIES} entries; got ${layer.techniques.length}`);
  }
  const entries = layer.techniques.map((raw, i): ClaimEntry => {
    const where = `techniques[${i}]`;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
      throw new SourceError(file, where, 'not a JSON object');
    const entry = raw as Record<string, unknown>;
    if (typeof entry.techniqueID !== 'string' || !TECHNIQUE_ID.test(entry.techniqueID.trim())) {
      throw new SourceError(
        file,
        where,
        `"techniqueID" must be an ATT&CK technique id such as T1003.001; got ${JSON.stringify(entry.techniqueID)}`,
      );
    }
    if (
      entry.score !== undefined &&
      entry.score !== null &&
      (typeof entry.score !== 'number' || !Number.isFinite(entry.score))
    ) {
      throw new SourceError(file, where, `"score" must be a number; got ${JSON.stringify(entry.score)}`);
    }
    const text = (key: string) =>
      typeof entry[key] === 'string' && (entry[key] as string).trim() !== '' ? (entry[key] as string).trim() : null;
    const score = typeof entry.score === 'number' ? entry.score : null;
    const color = text('color');
    const enabled = entry.enabled !== false;
    return {
      techniqueId: (entry.techniqueID as string).trim().toUpperCase(),
      tactic: text('tactic'),
      score,
      color,
      comment: text('comment'),
      claims: enabled && (score !== null ? score > 0 : color !== null),
    };
  });
  const versions = layer.versions as Record<string, unknown> | undefined;
  return {
    layerName: typeof layer.name === 'string' ? layer.name : null,
    domain,
    attackVersion: typeof versions?.attack === 'string' ? versions.attack : null,
    entries,
  };
}
