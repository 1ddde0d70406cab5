// Pure parser: the YAML files of one Sigma rule source (a named folder) -> SigmaRule records; bad files are skipped.
import { createHash } from 'node:crypto';
import { SourceError } from '../../errors.js';
import type { SourceFile } from '../folder.js';
import type { NodeRecord, ParseWarning, PropValue, SourceRecords } from '../records.js';
import { lineOfKey, loadYamlFile } from '../yaml.js';

/** Sigma levels from least to most severe. */
export const SIGMA_LEVELS = ['informational', 'low', 'medium', 'high', 'critical'] as const;

/** Upstream pages of SigmaHQ rules: a source named `sigmahq` is the SigmaHQ repository's root folder. */
const SIGMAHQ_BLOB = 'https://github.com/SigmaHQ/sigma/blob/master/';

const TECHNIQUE_TAG = /^attack\.(t\d{4}(?:\.\d{3})?)$/i;
const TACTIC_TAG = /^attack\.([a-z][a-z_-]+)$/i;

/**
 * Parses the rule files of source `name` read from `location`. A file that is not YAML, has no title or id, repeats
 * an id of the source, or is too large or alias-heavy is skipped with a warning naming it, the line and the reason.
 */
export function parseSigmaSource(name: string, location: string, files: SourceFile[]): SourceRecords {
  const warnings: ParseWarning[] = [];
  const nodes: NodeRecord[] = [];
  const seen = new Map<string, string>();
  for (const file of files) {
    try {
      const props = ruleProps(name, file);
      const earlier = seen.get(String(props.id));
      if (earlier) {
        const line = lineOfKey(file.text, 'id');
        throw new SourceError(file.path, line ? `line ${line}` : 'id', `id ${props.id} is already used by ${earlier}`);
      }
      seen.set(String(props.id), file.path);
      nodes.push({ label: 'SigmaRule', key: `${name}:${props.id}`, props });
    } catch (error) {
      if (!(error instanceof SourceError)) throw error;
      warnings.push({ file: `${location}/${file.path}`, where: error.position, reason: error.reason, skipped: true });
    }
  }
  return {
    scope: `sigma:${name}`,
    nodes,
    edges: [],
    warnings,
    dataset: {
      source: 'sigma',
      name: `sigma:${name}`,
      version: null,
      location,
      modified: nodes.reduce<string | null>((max, n) => {
        const value = (n.props.modified ?? n.props.date) as string | null;
        return value && (!max || value > max) ? value : max;
      }, null),
      sha256: createHash('sha256')
        .update(files.map((f) => `${f.path}\n${f.text}`).join('\n'))
        .digest('hex'),
      extra: { files: files.length, skipped: warnings.length },
    },
  };
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}

/** Sigma dates are written `2021-07-24` or `2021/07/24`: both become `2021-07-24`; anything else stays as written. */
function isoDate(value: string | null): string | null {
  return value && /^\d{4}[/-]\d{2}[/-]\d{2}$/.test(value) ? value.replaceAll('/', '-') : value;
}

function ruleProps(source: string, file: SourceFile): Record<string, PropValue> {
  const documents = loadYamlFile(file);
  if (documents.length === 0) throw new SourceError(file.path, 'whole file', 'empty: no YAML document');
  if (documents.some((d) => typeof d !== 'object' || Array.isArray(d))) {
    throw new SourceError(file.path, 'whole file', 'not a Sigma rule: a document is not a mapping');
  }
  // A rule collection spreads one rule over several documents (`action: global` first): read them as one.
  const rule = Object.assign({}, ...(documents as Record<string, unknown>[])) as Record<string, unknown>;
  const field = (key: string) => {
    const value = rule[key];
    return typeof value === 'string' || typeof value === 'number' ? String(value).trim() : null;
  };
  const list = (key: string) => (Array.isArray(rule[key]) ? (rule[key] as unknown[]).map((v) => String(v).trim()) : []);
  const id = field('id');
  const title = field('title');
  if (!id) throw new SourceError(file.path, 'whole file', 'no id');
  if (!title) throw new SourceError(file.path, 'whole file', 'no title');
  // Each document of a collection may name its own log source: keep them all, the first as the rule's.
  const logsources = (documents as Record<string, unknown>[])
    .map((d) => d.logsource)
    .filter((l): l is Record<string, unknown> => typeof l === 'object' && l !== null && !Array.isArray(l))
    .map((l) => ({ product: text(l.product), category: text(l.category), service: text(l.service) }));
  const logsource = logsources[0] ?? { product: null, category: null, service: null };
  const related = Array.isArray(rule.related) ? (rule.related as Record<string, unknown>[]) : [];
  const tags = list('tags');
  const level = field('level')?.toLowerCase() ?? null;
  return {
    uid: `${source}:${id}`,
    id,
    source,
    path: file.path,
    folder: file.path.includes('/') ? (file.path.split('/')[0] as string) : '',
    url: source === 'sigmahq' ? `${SIGMAHQ_BLOB}${file.path}` : null,
    title,
    status: field('status')?.toLowerCase() ?? null,
    level,
    levelRank: level ? SIGMA_LEVELS.indexOf(level as (typeof SIGMA_LEVELS)[number]) : -1,
    description: field('description'),
    author: field('author'),
    date: isoDate(field('date')),
    modified: isoDate(field('modified')),
    product: logsource.product,
    category: logsource.category,
    service: logsource.service,
    products: logsources.map((l) => l.product ?? ''),
    categories: logsources.map((l) => l.category ?? ''),
    services: logsources.map((l) => l.service ?? ''),
    tags,
    references: list('references'),
    falsepositives: list('falsepositives'),
    relatedIds: related.map((r) => String(r?.id ?? '')),
    relatedTypes: related.map((r) => String(r?.type ?? '')),
    techniqueIds: [...new Set(tags.flatMap((t) => TECHNIQUE_TAG.exec(t)?.[1]?.toUpperCase() ?? []))],
    tacticShortnames: [
      ...new Set(
        tags.flatMap((t) =>
          TECHNIQUE_TAG.test(t) || /^attack\.[gs]\d{4}$/i.test(t)
            ? []
            : (TACTIC_TAG.exec(t)?.[1]?.toLowerCase().replaceAll('_', '-') ?? []),
        ),
      ),
    ],
    yaml: file.text,
  };
}
