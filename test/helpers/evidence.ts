// Expected evidence computed with plain text scans of the rule and test files, independently of the parsers.
import yaml from 'js-yaml';
import { readFolder } from '../../src/seed/folder.js';
import { externalId, type StixLike } from './bundles.js';

const LEVELS = ['informational', 'low', 'medium', 'high', 'critical'];

/** One Sigma rule file as a plain scan sees it: status, level rank (-1 when none) and ATT&CK technique tags. */
export interface ScannedRule {
  path: string;
  status: string;
  level: number;
  /** Technique ids of its `attack.tNNNN` tags, upper case, in file order, each once. */
  techniqueIds: string[];
}

/** Every Sigma rule file under a folder, scanned line by line. */
export async function scanSigmaRules(folder: string): Promise<ScannedRule[]> {
  return (await readFolder(folder, /\.ya?ml$/)).map((file) => ({
    path: file.path,
    status: /^status:\s*(\w+)/m.exec(file.text)?.[1]?.toLowerCase() ?? '',
    level: LEVELS.indexOf(/^level:\s*(\w+)/m.exec(file.text)?.[1]?.toLowerCase() ?? ''),
    techniqueIds: [
      ...new Set(
        [...file.text.matchAll(/^\s*-\s*attack\.(t\d{4}(?:\.\d{3})?)\b/gim)].map(([, tag]) =>
          (tag as string).toUpperCase(),
        ),
      ),
    ],
  }));
}

/** Atomic Red Team technique id -> how many tests its file has (one auto_generated_guid each). */
export async function scanAtomicTests(folder: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const file of await readFolder(folder, /^T\d{4}(\.\d{3})?\.ya?ml$/)) {
    const id = /^attack_technique:\s*(\S+)/m.exec(file.text)?.[1];
    if (id) counts.set(id.toUpperCase(), [...file.text.matchAll(/^\s*auto_generated_guid:/gm)].length);
  }
  return counts;
}

/** One Sigma rule document as js-yaml reads it (independently of the project's parser). */
export interface SigmaDocument {
  id: string;
  status: string;
  level: string;
  related: { id: string; type: string }[];
  logsource: { product: string | null; category: string | null; service: string | null };
  /** Technique ids of its `attack.tNNNN` tags, upper case, each once. */
  techniqueIds: string[];
}

/** Every rule document (with an `id`) under a folder; files js-yaml cannot read are left out, as the seeder skips them. */
export async function readSigmaDocuments(folder: string): Promise<SigmaDocument[]> {
  const documents: SigmaDocument[] = [];
  const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value.toLowerCase() : null);
  for (const file of await readFolder(folder, /\.ya?ml$/)) {
    let docs: Record<string, unknown>[];
    try {
      docs = yaml.loadAll(file.text, null, { json: true }) as Record<string, unknown>[];
    } catch {
      continue;
    }
    for (const doc of docs) {
      if (!doc || typeof doc.id !== 'string') continue;
      const tags = Array.isArray(doc.tags) ? doc.tags.map(String) : [];
      const logsource = (doc.logsource ?? {}) as Record<string, unknown>;
      documents.push({
        id: doc.id,
        status: String(doc.status ?? '').toLowerCase(),
        level: String(doc.level ?? '').toLowerCase(),
        related: Array.isArray(doc.related) ? (doc.related as { id: string; type: string }[]) : [],
        logsource: {
          product: text(logsource.product),
          category: text(logsource.category),
          service: text(logsource.service),
        },
        techniqueIds: [
          ...new Set(tags.filter((t) => /^attack\.t\d{4}(\.\d{3})?$/i.test(t)).map((t) => t.slice(7).toUpperCase())),
        ],
      });
    }
  }
  return documents;
}

/** ATT&CK technique id -> the ids a tag of it reaches in a bundle: itself, then its revoked-by chain. */
export function revocationChains(objects: StixLike[]): (id: string) => string[] {
  const idOf = new Map(objects.map((o) => [o.id, externalId(o)]));
  const replacedBy = new Map<string, string>();
  for (const o of objects) {
    if (o.type !== 'relationship' || o.relationship_type !== 'revoked-by') continue;
    const [from, to] = [idOf.get(o.source_ref as string), idOf.get(o.target_ref as string)];
    if (from?.startsWith('T') && to) replacedBy.set(from, to);
  }
  return (tag) => {
    const ids = [tag];
    for (let next = replacedBy.get(tag); next && !ids.includes(next); next = replacedBy.get(next)) ids.push(next);
    return ids;
  };
}
