// The per-technique report in Markdown, in the format of shared/reference/technique-report-T1550.001.md. Pure.

/** Everything one report shows; `accessed` dates are when each source was loaded. */
export interface TechniqueReportData {
  id: string;
  name: string;
  url: string;
  tactics: string[];
  description: string;
  d3fend: { accessed: string | null; totalMapped: number; countermeasures: { name: string; iri: string }[] };
  sigma: {
    accessed: string | null;
    totalMapped: number;
    rules: { source: string; path: string; url: string | null }[];
  };
  atomic: { accessed: string | null; tests: { number: number; name: string; path: string; platforms: string[] }[] };
}

const D3FEND_PAGE = 'https://d3fend.mitre.org/techniques/d3f:';
const ATOMIC_BLOB = 'https://github.com/redcanaryco/atomic-red-team/blob/master/atomics/';

/** A date as the reference writes it: `April 27, 2022` (UTC), or `not loaded`. */
export function accessDate(iso: string | null): string {
  if (!iso) return 'not loaded';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleDateString('en-US', { year: 'numeric', month: 'long', day: 'numeric', timeZone: 'UTC' });
}

/** One source's section of the report: headings, access date, totals, and its list of resources. */
function sourceSection(
  heading: string,
  source: string,
  accessed: string | null,
  total: string,
  intro: string,
  items: string[],
): string[] {
  return [
    heading,
    source,
    `**Last accessed:** ${accessDate(accessed)}`,
    '',
    total,
    '',
    `**ATT&CK-mapped resources for this (sub)technique:** ${items.length}`,
    '',
    intro,
    '',
    ...items,
  ];
}

/** Renders the report; sections and wording follow the reference line for line. */
export function renderTechniqueReport(data: TechniqueReportData): string {
  const lines = [
    `# ${data.id}: ${data.name}`,
    `**MITRE ATT&CK Tactic(s):** ${data.tactics.join(', ')}`,
    '',
    `**[MITRE ATT&CK Description](${data.url})**`,
    `<blockquote>${data.description}</blockquote>`,
    '',
    ...sourceSection(
      '## Policy / Process Controls',
      '### [MITRE D3FEND](https://d3fend.mitre.org/)',
      data.d3fend.accessed,
      `**Total ATT&CK-mapped resources:** ${data.d3fend.totalMapped}`,
      'Resources mapped to this (sub)technique can be viewed on [this page](https://d3fend.mitre.org/) (see also the [ATT&CK to D3FEND Mapper](https://d3fend.mitre.org/tools/attack-mapper) tool):',
      data.d3fend.countermeasures.map((c) => `* [${c.name}](${D3FEND_PAGE}${c.iri.slice(c.iri.indexOf('#') + 1)})`),
    ),
    '',
    ...sourceSection(
      '## Technical Controls (Detection Rules)',
      '### [Sigma rules public repository](https://github.com/SigmaHQ/sigma)',
      data.sigma.accessed,
      `**Total ATT&CK-mapped rules:** ${data.sigma.totalMapped}`,
      'Resources mapped to this (sub)technique can be located in the following files within [this repository](https://github.com/SigmaHQ/sigma/tree/master/rules):',
      data.sigma.rules.map((r) => {
        const label = `${r.source === 'sigmahq' ? 'sigma' : r.source}/${r.path}`;
        return r.url ? `* [${label}](${r.url})` : `* ${label}`;
      }),
    ),
    '',
    '',
    '## Offensive Security Tests',
  ];
  if (data.atomic.tests.length > 0) {
    lines.push(
      '### [Atomic Red Team](https://github.com/redcanaryco/atomic-red-team)',
      `**Last accessed:** ${accessDate(data.atomic.accessed)}`,
      '',
      `**Tests for this (sub)technique:** ${data.atomic.tests.length}`,
      '',
      ...data.atomic.tests.map(
        (t) => `* [Atomic Test #${t.number}: ${t.name}](${ATOMIC_BLOB}${t.path}) (${t.platforms.join(', ')})`,
      ),
    );
  }
  return `${lines.join('\n')}\n`;
}
