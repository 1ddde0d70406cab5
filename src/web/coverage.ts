// The coverage page in the browser: the matrix as a heatmap under CoverageFilter, evidence per technique, downloads.

type Score = 'COMBINED' | 'SIGMA_RULES' | 'COUNTERMEASURES' | 'ATOMIC_TESTS';

interface Tactic {
  id: string;
  name: string;
  shortname: string;
}
interface LayoutTechnique {
  id: string;
  name: string;
  parentId: string | null;
  tacticIds: string[];
  platforms: string[];
}
interface Counts {
  techniques: number;
  detected: number;
  countered: number;
  tested: number;
  detectedPercent: number;
  counteredPercent: number;
  testedPercent: number;
}
interface Covered {
  id: string;
  sigmaRules: number;
  countermeasures: number;
  atomicTests: number;
  mitigations: number;
  detected: boolean;
  countered: boolean;
  tested: boolean;
  usedBy: number;
}
interface Scores {
  rollUpSubtechniques: boolean;
  totals: Counts;
  tactics: { tactic: { id: string }; counts: Counts }[];
  techniques: Covered[];
}
interface Layout {
  tactics: Tactic[];
  techniques: LayoutTechnique[];
}

const COUNTS = 'techniques detected countered tested detectedPercent counteredPercent testedPercent';

/** The matrix (every technique of the domain, when `layout` is asked for) and its scores under the filter. */
const MATRIX_QUERY = `query CoverageMatrix($domain: CoverageFilter!, $filter: CoverageFilter!, $layout: Boolean!) {
  layout: coverage(filter: $domain) @include(if: $layout) {
    tactics { tactic { id name shortname } }
    techniques { id name parentId tacticIds platforms }
  }
  scores: coverage(filter: $filter) {
    rollUpSubtechniques
    totals { ${COUNTS} }
    tactics { tactic { id } counts { ${COUNTS} } }
    techniques { id sigmaRules countermeasures atomicTests mitigations detected countered tested usedBy }
  }
}`;

const CHOICES_QUERY = `query CoverageChoices {
  groups(first: 500) { nodes { id name aliases } }
  datasets { name }
}`;

const EVIDENCE_QUERY = `query CoverageEvidence($id: ID!, $filter: CoverageFilter) {
  technique(id: $id) {
    id name platforms
    coverage(filter: $filter) { sigmaRules countermeasures atomicTests mitigations }
    tactics { id name }
    sigmaRules(first: 500) { totalCount nodes { id title level status source url } }
    countermeasures {
      technique { id name tactic { name } }
      paths { via offensiveRelation offensiveArtifact { name } defensiveRelation defensiveArtifact { name } }
    }
    atomicTests { guid name platforms }
    groups(first: 500) { totalCount nodes { id name } }
  }
}`;

const LAYER_QUERY = `query CoverageLayer($filter: CoverageFilter!, $score: LayerScore!) {
  navigatorLayer(filter: $filter, score: $score)
}`;

/** What a cell shows for a score: its number and the colour class (0 is a gap). */
export function scoreOf(covered: Covered, score: Score): number {
  switch (score) {
    case 'SIGMA_RULES':
      return covered.sigmaRules;
    case 'COUNTERMEASURES':
      return covered.countermeasures;
    case 'ATOMIC_TESTS':
      return covered.atomicTests;
    default:
      return Number(covered.detected) + Number(covered.countered) + Number(covered.tested);
  }
}

/** The legend's buckets per score: upper bounds (inclusive) and colours; 0 is always the gap colour. */
const GREENS = ['#d7efd0', '#a6d99a', '#63b75b', '#2d8a3a'];
const BUCKETS: Record<Score, { label: string; upTo: number }[]> = {
  COMBINED: [
    { label: '1 of 3', upTo: 1 },
    { label: '2 of 3', upTo: 2 },
    { label: 'detected, countered and tested', upTo: 3 },
  ],
  SIGMA_RULES: [
    { label: '1', upTo: 1 },
    { label: '2–4', upTo: 4 },
    { label: '5–9', upTo: 9 },
    { label: '10 or more', upTo: Number.POSITIVE_INFINITY },
  ],
  COUNTERMEASURES: [
    { label: '1–2', upTo: 2 },
    { label: '3–9', upTo: 9 },
    { label: '10–24', upTo: 24 },
    { label: '25 or more', upTo: Number.POSITIVE_INFINITY },
  ],
  ATOMIC_TESTS: [
    { label: '1', upTo: 1 },
    { label: '2–4', upTo: 4 },
    { label: '5–9', upTo: 9 },
    { label: '10 or more', upTo: Number.POSITIVE_INFINITY },
  ],
};
const GAP_COLOUR = '#f4d3d0';
const OUT_COLOUR = '#eef0f2';

export function colourOf(value: number, score: Score): string {
  if (value <= 0) return GAP_COLOUR;
  const buckets = BUCKETS[score];
  const index = buckets.findIndex((b) => value <= b.upTo);
  const offset = GREENS.length - buckets.length;
  return GREENS[offset + (index < 0 ? buckets.length - 1 : index)] ?? GREENS[GREENS.length - 1] ?? '#2d8a3a';
}

// ---- state -------------------------------------------------------------------------------------------------

const $ = <T extends Element>(selector: string) => document.querySelector(selector) as T;
const form = $<HTMLFormElement>('#filters');
const statusLine = $<HTMLParagraphElement>('#status');
const matrix = $<HTMLElement>('#matrix');
const evidence = $<HTMLElement>('#evidence');

const state = {
  layout: null as Layout | null,
  layoutDomain: '',
  scores: null as Scores | null,
  expanded: new Set<string>(),
  groups: [] as { id: string; name: string; aliases: string[] }[],
  selected: null as string | null,
  request: 0,
};

function apiKey(): string {
  return (form.elements.namedItem('apiKey') as HTMLInputElement).value || sessionStorage.getItem('apiKey') || '';
}

/** POSTs a GraphQL operation to this server's /graphql; errors become exceptions with the server's messages. */
async function gql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const key = apiKey();
  if (key) headers.authorization = `Bearer ${key}`;
  const response = await fetch('/graphql', { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  if (response.status === 401) {
    (document.querySelector('label.key') as HTMLElement).hidden = false;
    throw new Error('This API needs an API key: enter it above.');
  }
  const body = (await response.json()) as { data?: T; errors?: { message: string }[] };
  if (body.errors?.length) throw new Error(body.errors.map((e) => e.message).join('; '));
  if (!body.data) throw new Error(`no data (HTTP ${response.status})`);
  return body.data;
}

function value(name: string): string {
  const element = form.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement | null;
  if (!element) return '';
  return element instanceof HTMLInputElement && element.type === 'checkbox' ? String(element.checked) : element.value;
}

function score(): Score {
  return value('score') as Score;
}

/** The CoverageFilter the form describes; a group is named by its ATT&CK id, its name or an alias. */
export function currentFilter(): Record<string, unknown> {
  const filter: Record<string, unknown> = { domain: value('domain') };
  if (value('platform')) filter.platforms = [value('platform')];
  const group = groupId(value('group'));
  if (group) filter.groups = [group];
  if (value('sigmaSource')) filter.sigmaSources = [value('sigmaSource')];
  if (value('sigmaMinLevel')) filter.sigmaMinLevel = value('sigmaMinLevel');
  if (value('sigmaStatus')) filter.sigmaStatuses = [value('sigmaStatus')];
  if (value('rollUp') === 'true') filter.rollUpSubtechniques = true;
  return filter;
}

function groupId(text: string): string | null {
  const wanted = text.trim().toLowerCase();
  if (!wanted) return null;
  const first = wanted.split(/\s+/)[0] ?? '';
  const found =
    state.groups.find((g) => g.id.toLowerCase() === first) ??
    state.groups.find((g) => g.name.toLowerCase() === wanted || g.aliases.some((a) => a.toLowerCase() === wanted));
  return found?.id ?? (/^g\d{4}$/.test(first) ? first.toUpperCase() : null);
}

function setStatus(text: string, error = false) {
  statusLine.textContent = text;
  statusLine.classList.toggle('error', error);
}

// ---- loading -------------------------------------------------------------------------------------------------

async function loadChoices() {
  const data = await gql<{
    groups: { nodes: { id: string; name: string; aliases: string[] }[] };
    datasets: { name: string }[];
  }>(CHOICES_QUERY);
  state.groups = data.groups.nodes;
  const list = $<HTMLDataListElement>('#group-list');
  list.replaceChildren(
    ...state.groups.map((g) => {
      const option = document.createElement('option');
      option.value = `${g.id} ${g.name}`;
      if (g.aliases.length) option.label = g.aliases.slice(0, 4).join(', ');
      return option;
    }),
  );
  const sources = data.datasets.filter((d) => d.name.startsWith('sigma:')).map((d) => d.name.slice('sigma:'.length));
  fillSelect('sigmaSource', sources.sort());
}

function fillSelect(name: string, values: string[]) {
  const select = form.elements.namedItem(name) as HTMLSelectElement;
  const current = select.value;
  select.replaceChildren(select.options[0] as HTMLOptionElement);
  for (const v of values) select.add(new Option(v, v));
  if (values.includes(current)) select.value = current;
}

async function refresh() {
  const request = ++state.request;
  const filter = currentFilter();
  const domain = String(filter.domain);
  setStatus('Loading…');
  const started = performance.now();
  try {
    // One request: the layout (only when the domain changed) and the scores; the server reads the rows once when
    // the filter is the domain alone.
    const { layout, scores } = await gql<{
      layout?: { tactics: { tactic: Tactic }[]; techniques: LayoutTechnique[] };
      scores: Scores;
    }>(MATRIX_QUERY, { domain: { domain }, filter, layout: state.layoutDomain !== domain });
    if (request !== state.request) return; // a newer request is on its way
    const fetched = performance.now();
    if (layout) {
      state.layout = { tactics: layout.tactics.map((t) => t.tactic), techniques: layout.techniques };
      state.layoutDomain = domain;
      state.expanded.clear();
      fillSelect('platform', [...new Set(layout.techniques.flatMap((t) => t.platforms))].sort());
    }
    state.scores = scores;
    render();
    const done = performance.now();
    setStatus(
      `${scores.totals.techniques} techniques in scope · answer in ${Math.round(fetched - started)} ms, ` +
        `drawn in ${Math.round(done - fetched)} ms`,
    );
    document.body.dataset.ready = String(request);
  } catch (error) {
    if (request === state.request) setStatus((error as Error).message, true);
  }
}

// ---- the matrix ------------------------------------------------------------------------------------------------

/** The techniques of each tactic column: parents by name, each followed by its sub-techniques when expanded. */
function columns(layout: Layout): { tactic: Tactic; parents: LayoutTechnique[] }[] {
  return layout.tactics.map((tactic) => ({
    tactic,
    parents: layout.techniques
      .filter((t) => t.parentId === null && t.tacticIds.includes(tactic.id))
      .sort((a, b) => a.name.localeCompare(b.name)),
  }));
}

function subsOf(layout: Layout, parent: LayoutTechnique, tacticId: string): LayoutTechnique[] {
  return layout.techniques
    .filter((t) => t.parentId === parent.id && t.tacticIds.includes(tacticId))
    .sort((a, b) => a.name.localeCompare(b.name));
}

function render() {
  const { layout, scores } = state;
  if (!layout || !scores) return;
  const chosen = score();
  const byId = new Map(scores.techniques.map((t) => [t.id, t]));
  const countsOf = new Map(scores.tactics.map((t) => [t.tactic.id, t.counts]));
  const rollUp = scores.rollUpSubtechniques;
  const cols = columns(layout);
  matrix.style.gridTemplateColumns = `repeat(${cols.length}, minmax(0, 1fr))`;
  const fragment = document.createDocumentFragment();
  for (const [columnIndex, { tactic, parents }] of cols.entries()) {
    const column = document.createElement('section');
    column.className = 'tactic';
    column.dataset.tactic = tactic.id;
    const heading = document.createElement('h2');
    heading.textContent = tactic.name;
    column.append(heading);
    const counts = countsOf.get(tactic.id);
    const totals = document.createElement('div');
    totals.className = 'totals';
    if (counts) {
      totals.dataset.techniques = String(counts.techniques);
      totals.dataset.detected = String(counts.detected);
      totals.dataset.countered = String(counts.countered);
      totals.dataset.tested = String(counts.tested);
      totals.textContent =
        `${counts.techniques} in scope · detected ${counts.detected} (${counts.detectedPercent}%) · ` +
        `countered ${counts.countered} · tested ${counts.tested}`;
    }
    column.append(totals);
    let row = 0;
    for (const parent of parents) {
      const subs = rollUp ? [] : subsOf(layout, parent, tactic.id);
      column.append(cellRow(parent, byId.get(parent.id), chosen, subs.length, columnIndex, row++, tactic.id));
      if (subs.length && state.expanded.has(`${tactic.id}/${parent.id}`)) {
        for (const sub of subs) column.append(cellRow(sub, byId.get(sub.id), chosen, 0, columnIndex, row++, tactic.id));
      }
    }
    fragment.append(column);
  }
  matrix.replaceChildren(fragment);
  renderLegend(chosen);
  const t = scores.totals;
  $<HTMLElement>('#summary').textContent =
    `${t.techniques} techniques: detected ${t.detected} (${t.detectedPercent}%), countered ${t.countered} ` +
    `(${t.counteredPercent}%), tested ${t.tested} (${t.testedPercent}%)`;
}

function cellRow(
  technique: LayoutTechnique,
  covered: Covered | undefined,
  chosen: Score,
  subCount: number,
  column: number,
  row: number,
  tacticId: string,
): HTMLElement {
  const wrapper = document.createElement('div');
  wrapper.className = 'cell-row';
  if (subCount > 0) {
    const key = `${tacticId}/${technique.id}`;
    const toggle = document.createElement('button');
    toggle.type = 'button';
    toggle.className = 'toggle';
    const open = state.expanded.has(key);
    toggle.textContent = open ? '▾' : '▸';
    toggle.setAttribute('aria-expanded', String(open));
    toggle.setAttribute('aria-label', `${open ? 'Hide' : 'Show'} ${subCount} sub-techniques of ${technique.id}`);
    toggle.dataset.toggle = key;
    wrapper.append(toggle);
  }
  const cell = document.createElement('button');
  cell.type = 'button';
  cell.className = `cell${technique.parentId ? ' sub' : ''}${covered ? '' : ' out'}`;
  cell.dataset.technique = technique.id;
  cell.dataset.col = String(column);
  cell.dataset.row = String(row);
  const number = covered ? scoreOf(covered, chosen) : null;
  if (covered && number !== null) {
    cell.style.background = colourOf(number, chosen);
    cell.dataset.score = String(number);
  }
  if (state.selected === technique.id) cell.classList.add('selected');
  const scoreText = document.createElement('span');
  scoreText.className = 'score';
  scoreText.textContent = number === null ? '–' : String(number);
  const id = document.createElement('span');
  id.className = 'id';
  id.textContent = technique.id;
  cell.append(scoreText, technique.name, id);
  cell.setAttribute(
    'aria-label',
    covered
      ? `${technique.id} ${technique.name}: ${covered.sigmaRules} Sigma rules, ${covered.countermeasures} countermeasures, ` +
          `${covered.atomicTests} Atomic tests`
      : `${technique.id} ${technique.name}: out of scope`,
  );
  wrapper.append(cell);
  return wrapper;
}

function renderLegend(chosen: Score) {
  const legend = $<HTMLElement>('#legend');
  const item = (colour: string, label: string) => {
    const span = document.createElement('span');
    const swatch = document.createElement('span');
    swatch.className = 'swatch';
    swatch.style.background = colour;
    span.append(swatch, label);
    return span;
  };
  const title = document.createElement('strong');
  title.textContent = (form.elements.namedItem('score') as HTMLSelectElement).selectedOptions[0]?.text ?? '';
  legend.replaceChildren(
    title,
    item(GAP_COLOUR, chosen === 'COMBINED' ? '0: none' : '0: gap'),
    ...BUCKETS[chosen].map((bucket, i) =>
      item(colourOf(i === 0 ? 1 : (BUCKETS[chosen][i - 1]?.upTo ?? 0) + 1, chosen), bucket.label),
    ),
    item(OUT_COLOUR, 'out of scope'),
  );
}

// ---- evidence ------------------------------------------------------------------------------------------------

interface Evidence {
  id: string;
  name: string;
  platforms: string[];
  coverage: { sigmaRules: number; countermeasures: number; atomicTests: number; mitigations: number };
  tactics: { id: string; name: string }[];
  sigmaRules: {
    totalCount: number;
    nodes: {
      id: string;
      title: string;
      level: string | null;
      status: string | null;
      source: string;
      url: string | null;
    }[];
  };
  countermeasures: {
    technique: { id: string; name: string; tactic: { name: string } | null };
    paths: {
      via: string;
      offensiveRelation: string;
      offensiveArtifact: { name: string } | null;
      defensiveRelation: string;
      defensiveArtifact: { name: string } | null;
    }[];
  }[];
  atomicTests: { guid: string; name: string; platforms: string[] }[];
  groups: { totalCount: number; nodes: { id: string; name: string }[] };
}

let returnFocus: HTMLElement | null = null;

async function openEvidence(id: string, from: HTMLElement | null) {
  returnFocus = from;
  state.selected = id;
  for (const cell of matrix.querySelectorAll('.cell.selected')) cell.classList.remove('selected');
  for (const cell of matrix.querySelectorAll(`.cell[data-technique="${CSS.escape(id)}"]`))
    cell.classList.add('selected');
  const content = evidence.querySelector('.content') as HTMLElement;
  content.replaceChildren(element('p', 'Loading…'));
  evidence.hidden = false;
  try {
    const { technique } = await gql<{ technique: Evidence | null }>(EVIDENCE_QUERY, { id, filter: currentFilter() });
    if (!technique) throw new Error(`${id} is not in the graph`);
    content.replaceChildren(...evidenceNodes(technique));
    evidence.dataset.technique = technique.id;
    (content.querySelector('h2') as HTMLElement).focus();
  } catch (error) {
    content.replaceChildren(element('p', (error as Error).message));
  }
}

function closeEvidence() {
  evidence.hidden = true;
  delete evidence.dataset.technique;
  state.selected = null;
  for (const cell of matrix.querySelectorAll('.cell.selected')) cell.classList.remove('selected');
  returnFocus?.focus();
}

function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  text?: string,
  className?: string,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function list(items: Node[], empty: string): HTMLElement {
  if (items.length === 0) return element('p', empty, 'meta');
  const ul = element('ul');
  for (const item of items) {
    const li = element('li');
    li.append(item);
    ul.append(li);
  }
  return ul;
}

function link(text: string, href: string | null): Node {
  if (!href) return document.createTextNode(text);
  const a = element('a', text);
  a.href = href;
  a.target = '_blank';
  a.rel = 'noopener noreferrer';
  return a;
}

function fragmentOf(...parts: (Node | string)[]): DocumentFragment {
  const fragment = document.createDocumentFragment();
  fragment.append(...parts);
  return fragment;
}

function evidenceNodes(t: Evidence): Node[] {
  const title = element('h2', `${t.id} ${t.name}`);
  title.id = 'evidence-title';
  title.tabIndex = -1;
  const meta = element('p', `${t.tactics.map((x) => x.name).join(', ')} · ${t.platforms.join(', ')}`, 'meta');
  const counts = element('div', undefined, 'counts');
  counts.append(
    element('span', `${t.coverage.sigmaRules} Sigma rules under the filter`),
    element('span', `${t.coverage.countermeasures} countermeasures`),
    element('span', `${t.coverage.atomicTests} Atomic tests`),
  );
  const report = element('button', 'Markdown report');
  report.type = 'button';
  report.dataset.report = t.id;
  const rules = list(
    t.sigmaRules.nodes.map((r) =>
      fragmentOf(
        link(r.title, r.url),
        ` · ${(r.level ?? '?').toLowerCase()} · ${(r.status ?? '?').toLowerCase()} · ${r.source}`,
      ),
    ),
    'No Sigma rules.',
  );
  rules.dataset.list = 'sigma';
  const countermeasures = list(
    t.countermeasures.map((c) => {
      const paths = c.paths.map(
        (p) =>
          `${p.offensiveRelation} ${p.offensiveArtifact?.name ?? '?'} ← ${p.defensiveRelation} ${p.defensiveArtifact?.name ?? '?'}` +
          (p.via ? ` (via ${p.via})` : ''),
      );
      return fragmentOf(
        element('strong', `${c.technique.id} ${c.technique.name}`),
        c.technique.tactic ? ` · ${c.technique.tactic.name}` : '',
        ...(paths.length ? [element('div', paths.join('; '), 'meta')] : []),
      );
    }),
    'No D3FEND countermeasures.',
  );
  countermeasures.dataset.list = 'countermeasures';
  const tests = list(
    t.atomicTests.map((a) => fragmentOf(a.name, element('span', ` · ${a.platforms.join(', ')} · ${a.guid}`, 'meta'))),
    'No Atomic tests.',
  );
  tests.dataset.list = 'atomic';
  const groups = list(
    t.groups.nodes.map((g) => fragmentOf(`${g.id} ${g.name}`)),
    'No groups known to use it.',
  );
  groups.dataset.list = 'groups';
  return [
    title,
    meta,
    counts,
    report,
    element('h3', `Sigma rules (${t.sigmaRules.totalCount})`),
    rules,
    element('h3', `D3FEND countermeasures (${t.countermeasures.length})`),
    countermeasures,
    element('h3', `Atomic tests (${t.atomicTests.length})`),
    tests,
    element('h3', `Groups that use it (${t.groups.totalCount})`),
    groups,
  ];
}

// ---- downloads -----------------------------------------------------------------------------------------------

function download(name: string, blob: Blob) {
  const url = URL.createObjectURL(blob);
  const a = element('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function fileStem(): string {
  return `coverage-${value('domain').toLowerCase()}-${score().toLowerCase().replace(/_/g, '-')}`;
}

async function downloadLayer() {
  const { navigatorLayer } = await gql<{ navigatorLayer: string }>(LAYER_QUERY, {
    filter: currentFilter(),
    score: score(),
  });
  download(`${fileStem()}.json`, new Blob([navigatorLayer], { type: 'application/json' }));
}

const xml = (text: string) => text.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** The matrix as it is shown (expanded sub-techniques included) as an SVG picture. */
export function matrixSvg(): { svg: string; width: number; height: number } {
  const { layout, scores } = state;
  if (!layout || !scores) throw new Error('the matrix is not loaded yet');
  const chosen = score();
  const byId = new Map(scores.techniques.map((t) => [t.id, t]));
  const countsOf = new Map(scores.tactics.map((t) => [t.tactic.id, t.counts]));
  const cols = columns(layout);
  const colWidth = 150;
  const rowHeight = 26;
  const headHeight = 48;
  const parts: string[] = [];
  let maxRows = 0;
  for (const [c, { tactic, parents }] of cols.entries()) {
    const x = c * colWidth;
    const counts = countsOf.get(tactic.id);
    parts.push(
      `<rect x="${x + 1}" y="0" width="${colWidth - 2}" height="${headHeight - 4}" fill="#24323f"/>`,
      `<text x="${x + 5}" y="16" fill="#fff" font-size="11" font-weight="600">${xml(tactic.name)}</text>`,
      `<text x="${x + 5}" y="34" fill="#fff" font-size="9.5">${counts ? `${counts.detected}/${counts.techniques} detected` : ''}</text>`,
    );
    let row = 0;
    const rowsOf = parents.flatMap((p) => [
      p,
      ...(!scores.rollUpSubtechniques && state.expanded.has(`${tactic.id}/${p.id}`)
        ? subsOf(layout, p, tactic.id)
        : []),
    ]);
    for (const t of rowsOf) {
      const covered = byId.get(t.id);
      const number = covered ? scoreOf(covered, chosen) : null;
      const y = headHeight + row * rowHeight;
      const indent = t.parentId ? 8 : 0;
      const fill = number === null ? OUT_COLOUR : colourOf(number, chosen);
      const label = t.name.length > 24 ? `${t.name.slice(0, 23)}…` : t.name;
      parts.push(
        `<rect x="${x + 1 + indent}" y="${y}" width="${colWidth - 2 - indent}" height="${rowHeight - 2}" fill="${fill}" stroke="#d5dbe1"/>`,
        `<text x="${x + 4 + indent}" y="${y + 11}" font-size="9.5" fill="#1d2733">${xml(label)}</text>`,
        `<text x="${x + 4 + indent}" y="${y + 21}" font-size="8" fill="#5b6773">${xml(t.id)}${number === null ? '' : ` · ${number}`}</text>`,
      );
      row++;
    }
    maxRows = Math.max(maxRows, row);
  }
  const width = cols.length * colWidth;
  const height = headHeight + maxRows * rowHeight + 4;
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
    `font-family="system-ui, sans-serif"><rect width="100%" height="100%" fill="#fff"/>${parts.join('')}</svg>`;
  return { svg, width, height };
}

function downloadSvg() {
  download(`${fileStem()}.svg`, new Blob([matrixSvg().svg], { type: 'image/svg+xml' }));
}

async function downloadPng() {
  const { svg, width, height } = matrixSvg();
  const url = URL.createObjectURL(new Blob([svg], { type: 'image/svg+xml' }));
  try {
    const image = new Image();
    image.src = url;
    await image.decode();
    const canvas = element('canvas');
    canvas.width = width;
    canvas.height = height;
    const context = canvas.getContext('2d');
    if (!context) throw new Error('no 2D canvas here');
    context.drawImage(image, 0, 0);
    const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'));
    if (!blob) throw new Error('the PNG could not be made');
    download(`${fileStem()}.png`, blob);
  } finally {
    URL.revokeObjectURL(url);
  }
}

async function openReport(id: string) {
  const { techniqueReport } = await gql<{ techniqueReport: string | null }>(
    'query CoverageReport($id: ID!) { techniqueReport(id: $id) }',
    { id },
  );
  if (!techniqueReport) throw new Error(`no report for ${id}`);
  download(`${id}.md`, new Blob([techniqueReport], { type: 'text/markdown' }));
}

// ---- keyboard and events -----------------------------------------------------------------------------------

/** Arrow keys move between cells: up and down in a column, left and right to the nearest row of the next column. */
function moveFocus(from: HTMLElement, key: string) {
  const col = Number(from.dataset.col);
  const row = Number(from.dataset.row);
  const at = (c: number, r: number) => matrix.querySelector<HTMLElement>(`.cell[data-col="${c}"][data-row="${r}"]`);
  let target: HTMLElement | null = null;
  if (key === 'ArrowDown') target = at(col, row + 1);
  if (key === 'ArrowUp') target = at(col, row - 1);
  if (key === 'ArrowLeft' || key === 'ArrowRight') {
    const next = col + (key === 'ArrowRight' ? 1 : -1);
    for (let r = row; r >= 0 && !target; r--) target = at(next, r);
  }
  target?.focus();
}

function guarded(work: () => Promise<unknown> | unknown) {
  return () => {
    Promise.resolve()
      .then(work)
      .catch((error: Error) => setStatus(error.message, true));
  };
}

matrix.addEventListener('click', (event) => {
  const target = event.target as HTMLElement;
  const toggle = target.closest<HTMLElement>('.toggle');
  if (toggle?.dataset.toggle) {
    const key = toggle.dataset.toggle;
    if (state.expanded.has(key)) state.expanded.delete(key);
    else state.expanded.add(key);
    render();
    matrix.querySelector<HTMLElement>(`.toggle[data-toggle="${CSS.escape(key)}"]`)?.focus();
    return;
  }
  const cell = target.closest<HTMLElement>('.cell');
  if (cell?.dataset.technique) void openEvidence(cell.dataset.technique, cell);
});
matrix.addEventListener('keydown', (event) => {
  const cell = (event.target as HTMLElement).closest<HTMLElement>('.cell');
  if (cell && event.key.startsWith('Arrow')) {
    event.preventDefault();
    moveFocus(cell, event.key);
  }
});
evidence.addEventListener('click', (event) => {
  const target = event.target as HTMLElement;
  if (target.closest('.close')) closeEvidence();
  const report = target.closest<HTMLElement>('[data-report]');
  if (report?.dataset.report) guarded(() => openReport(report.dataset.report as string))();
});
document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape' && !evidence.hidden) closeEvidence();
});
form.addEventListener('change', (event) => {
  const name = (event.target as HTMLInputElement).name;
  if (name === 'apiKey') {
    sessionStorage.setItem('apiKey', apiKey());
    guarded(loadChoices)();
  }
  if (name === 'score') {
    render();
    return;
  }
  void refresh().then(() => {
    if (state.selected && !evidence.hidden) void openEvidence(state.selected, returnFocus);
  });
});
form.addEventListener('submit', (event) => event.preventDefault());
$<HTMLButtonElement>('#download-layer').addEventListener('click', guarded(downloadLayer));
$<HTMLButtonElement>('#download-svg').addEventListener('click', guarded(downloadSvg));
$<HTMLButtonElement>('#download-png').addEventListener('click', guarded(downloadPng));

guarded(async () => {
  await Promise.all([loadChoices(), refresh()]);
})();
