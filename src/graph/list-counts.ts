// Totals of the unfiltered lists (current nodes per paged ATT&CK label and domain), stored by every seed.
import type { Graph } from './driver.js';
import type { NodeLabel } from './model.js';
import type { ListFilter } from './read.js';

/** The labels whose lists (`techniques`, `groups`…) readPage serves. */
export const LISTED_LABELS = [
  'Technique',
  'Mitigation',
  'Group',
  'Software',
  'Campaign',
  'DataComponent',
  'DetectionStrategy',
] as const satisfies readonly NodeLabel[];

/**
 * Stores, on the GraphVersion node, how many current nodes (with an id, neither revoked nor deprecated) each listed
 * label has in all and in each domain: a page without other filters takes its totalCount from there instead of
 * counting every node of its label (half of a page's time). Called last in every seed's link step; a seed clears
 * the totals before its first write (clearListTotals), so a seed that fails midway leaves none and pages count.
 */
export async function storeListTotals(graph: Graph): Promise<void> {
  const perLabel = LISTED_LABELS.map(
    (label) => `MATCH (n:${label}) WHERE n.id IS NOT NULL AND NOT n.revoked AND NOT n.deprecated
       UNWIND [''] + coalesce(n.domains, []) AS domain
       WITH DISTINCT n, domain
       RETURN '${label}|' + domain AS key, count(n) AS total`,
  );
  await graph.write((run) =>
    run(
      `CALL () {
         ${perLabel.join('\n         UNION ALL\n         ')}
       }
       WITH key, total ORDER BY key
       WITH collect(key) AS keys, collect(total) AS totals
       MERGE (v:GraphVersion {name: 'graph'})
       SET v.listKeys = keys, v.listTotals = totals`,
    ),
  );
}

/** Drops the stored totals: pages count their nodes until the next seed stores them again. */
export async function clearListTotals(graph: Graph): Promise<void> {
  await graph.write((run) => run('MATCH (v:GraphVersion) REMOVE v.listKeys, v.listTotals'));
}

/**
 * The key of the stored total that answers a list with these filters, or null when a filter narrows it (a text,
 * platform, tactic or kind; revoked, deprecated or no sub-techniques asked for): then the page counts.
 */
export function listTotalKey(label: NodeLabel, filter: ListFilter): string | null {
  const narrowed =
    filter.text !== null ||
    filter.includeRevoked ||
    filter.includeDeprecated ||
    (filter.tactic ?? null) !== null ||
    (filter.platform ?? null) !== null ||
    (filter.kind ?? null) !== null ||
    filter.includeSubtechniques === false;
  const listed = (LISTED_LABELS as readonly string[]).includes(label);
  return narrowed || !listed ? null : `${label}|${filter.domain ?? ''}`;
}
