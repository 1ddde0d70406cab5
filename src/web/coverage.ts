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
  /** Per tactic id, its techniques without a parent, by name (built once per domain). */
  parents: Map<string, LayoutTechnique[]>;
  /** Per parent id, its sub-techniques, by name. */
  subs: Map<string, LayoutTechnique[]>;
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

/** Groups come a page of 100 at a time (any server's page size allows it), until the last. */
const GROUPS_QUERY = `query CoverageGroups($after: String) {
  groups(first: 100, after: $after) { pageInfo { hasNextPage endCursor } nodes { id name aliases } }
}`;

const DATASETS_QUERY = 'query CoverageDatasets { datasets { name } }';

/** The evidence under the page's filter: the rules and tests that count, as the coverage numbers do. */
const EVIDENCE_QUERY = `query CoverageEvidence($id: ID!, $filter: CoverageFilter, $rules: SigmaRuleFilter, $platform: String) {
  technique(id: $id) {
    id name platforms
    coverage(filter: $filter) { sigmaRules countermeasures atomicTests mitigations }
    tactics { id name }
    sigmaRules(filter: $rules, first: 100) { totalCount nodes { id title level status source url } }
    countermeasures {
      technique { id name tactic { name } }
      paths { via offensiveRelation offensiveArtifact { name } defensiveRelation defensiveArtifact { name } }
    }
    atomicTests(platform: $platform) { guid name platforms }
    groups(first: 100) { totalCount nodes { id name } }
  }
}`;

/** The statuses a Sigma rule counts with when the filter names none (as CoverageFilter's default). */
const DEFAULT_STATUSES = ['STABLE', 'TEST', 'EXPERIMENTAL'];

const LAYER_QUERY = `query CoverageLayer($filter: CoverageFilter!, $score: LayerScore!) {
  navigatorLayer(filter: $filter, score: $score)
}`;

/** What a cell shows for a score (as the Navigator layer scores it, src/report/layer.ts). */
function scoreOf(covered: Covered, score: Score): number {
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

/** The bucket of a value (0: a gap; then 1 up to the number of buckets of the score). */
function bucketOf(value: number, score: Score): number {
  if (value <= 0) return 0;
  const index = BUCKETS[score].findIndex((b) => value <= b.upTo);
  return index + 1;
}

/** A bucket's colour: the gap colour, then greens, the darkest for the last bucket. */
function colourOf(value: number, score: Score): string {
  const bucket = bucketOf(value, score);
  if (bucket === 0) return GAP_COLOUR;
  return GREENS[GREENS.length - BUCKETS[score].length + bucket - 1] as string;
}

/** Whether a colour is dark enough to need white text (the two darkest greens). */
function isDark(colour: string): boolean {
  return colour === GREENS[2] || colour === GREENS[3];
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
  /** The technique whose evidence is open. */
  selected: null as string | null,
  /** The cell that takes the matrix's one Tab stop: its column and technique. */
  active: null as { col: string; technique: string } | null,
  request: 0,
  evidenceRequest: 0,
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

/**
 * The CoverageFilter the form describes; a group is named by its ATT&CK id, its name or an alias. Null when the
 * group field names no known group (the field is marked invalid).
 */
function currentFilter(): Record<string, unknown> | null {
  const filter: Record<string, unknown> = { domain: value('domain') };
  if (value('platform')) filter.platforms = [value('platform')];
  const groupField = form.elements.namedItem('group') as HTMLInputElement;
  const group = groupId(value('group'));
  groupField.setAttribute('aria-invalid', String(value('group').trim() !== '' && group === null));
  if (value('group').trim() !== '' && group === null) return null;
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
  return found?.id ?? null;
}

function setStatus(text: string, error = false) {
  statusLine.textContent = text;
  statusLine.classList.toggle('error', error);
}

// ---- loading -------------------------------------------------------------------------------------------------

async function loadChoices() {
  const groups: typeof state.groups = [];
  for (let after: string | null = null; ; ) {
    const page: { groups: { pageInfo: { hasNextPage: boolean; endCursor: string | null }; nodes: typeof groups } } =
      await gql(GROUPS_QUERY, { after });
    groups.push(...page.groups.nodes);
    if (!page.groups.pageInfo.hasNextPage) break;
    after = page.groups.pageInfo.endCursor;
  }
  state.groups = groups;
  const list = $<HTMLDataListElement>('#group-list');
  list.replaceChildren(
    ...groups.map((g) => {
      const option = document.createElement('option');
      option.value = `${g.id} ${g.name}`;
      if (g.aliases.length) option.label = g.aliases.slice(0, 4).join(', ');
      return option;
    }),
  );
  const { datasets } = await gql<{ datasets: { name: string }[] }>(DATASETS_QUERY);
  const sources = datasets.filter((d) => d.name.startsWith('sigma:')).map((d) => d.name.slice('sigma:'.length));
  fillSelect('sigmaSource', sources.sort());
}

function fillSelect(name: string, values: string[]) {
  const select = form.elements.namedItem(name) as HTMLSelectElement;
  const current = select.value;
  select.replaceChildren(select.options[0] as HTMLOptionElement);
  for (const v of values) select.add(new Option(v, v));
  if (values.includes(current)) select.value = current;
}

/** After the browser has laid out and painted what was just put in the DOM. */
const painted = () => new Promise<void>((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));

async function refresh() {
  const request = ++state.request;
  const filter = currentFilter();
  if (!filter) {
    setStatus(
      `No threat group "${value('group').trim()}": type an id (G0016), a name or an alias from the list.`,
      true,
    );
    return;
  }
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
      state.layout = layoutOf(
        layout.tactics.map((t) => t.tactic),
        layout.techniques,
      );
      state.layoutDomain = domain;
      state.expanded.clear();
      state.active = null;
      fillSelect('platform', [...new Set(layout.techniques.flatMap((t) => t.platforms))].sort());
    }
    state.scores = scores;
    render();
    await painted();
    if (request !== state.request) return;
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

/** The layout of a domain: its tactics and techniques, indexed once for every later draw. */
function layoutOf(tactics: Tactic[], techniques: LayoutTechnique[]): Layout {
  const byName = (a: LayoutTechnique, b: LayoutTechnique) => a.name.localeCompare(b.name);
  const sorted = [...techniques].sort(byName);
  const parents = new Map<string, LayoutTechnique[]>(tactics.map((t) => [t.id, []]));
  const subs = new Map<string, LayoutTechnique[]>();
  for (const technique of sorted) {
    if (technique.parentId === null) {
      for (const id of technique.tacticIds) parents.get(id)?.push(technique);
    } else {
      subs.set(technique.parentId, [...(subs.get(technique.parentId) ?? []), technique]);
    }
  }
  return { tactics, techniques, parents, subs };
}

/** The techniques of each tactic column: parents by name (each followed by its sub-techniques when expanded). */
function columns(layout: Layout): { tactic: Tactic; parents: LayoutTechnique[] }[] {
  return layout.tactics.map((tactic) => ({ tactic, parents: layout.parents.get(tactic.id) ?? [] }));
}

/** A parent's sub-techniques in one tactic's column, by name. */
function subsOf(layout: Layout, parent: LayoutTechnique, tacticId: string): LayoutTechnique[] {
  return (layout.subs.get(parent.id) ?? []).filter((t) => t.tacticIds.includes(tacticId));
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
    column.setAttribute('aria-label', tactic.name);
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
  // One Tab stop for the whole matrix (the arrow keys move inside it): the active cell, else the first one.
  const active = state.active
    ? matrix.querySelector<HTMLElement>(
        `.tactic[data-tactic="${CSS.escape(state.active.col)}"] .cell[data-technique="${CSS.escape(state.active.technique)}"]`,
      )
    : null;
  (active ?? matrix.querySelector<HTMLElement>('.cell'))?.setAttribute('tabindex', '0');
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
  const cell = document.createElement('button');
  const key = `${tacticId}/${technique.id}`;
  if (subCount > 0) {
    // For the mouse; the keyboard opens and closes sub-techniques with + and - on the cell itself.
    const toggle = document.createElement('button');
    toggle.type = 'button';
    toggle.className = 'toggle';
    toggle.tabIndex = -1;
    const open = state.expanded.has(key);
    toggle.textContent = open ? '▾' : '▸';
    toggle.setAttribute('aria-hidden', 'true');
    toggle.dataset.toggle = key;
    wrapper.append(toggle);
    cell.setAttribute('aria-expanded', String(open));
    cell.dataset.toggle = key;
  }
  cell.type = 'button';
  cell.tabIndex = -1;
  cell.className = `cell${technique.parentId ? ' sub' : ''}${covered ? '' : ' out'}`;
  cell.dataset.technique = technique.id;
  cell.dataset.col = String(column);
  cell.dataset.row = String(row);
  const number = covered ? scoreOf(covered, chosen) : null;
  if (covered && number !== null) {
    const colour = colourOf(number, chosen);
    cell.style.background = colour;
    if (isDark(colour)) cell.classList.add('dark');
    if (number === 0) cell.classList.add('gap');
    cell.dataset.score = String(number);
  }
  if (state.selected === technique.id) cell.classList.add('selected');
  const scoreText = document.createElement('span');
  scoreText.className = 'score';
  scoreText.textContent = number === null ? '–' : String(number);
  const id = document.createElement('span');
  id.className = 'id';
  id.textContent = technique.id;
  const line = document.createElement('span');
  line.className = 'line';
  line.append(id, scoreText);
  const name = document.createElement('span');
  name.className = 'name';
  name.textContent = technique.name;
  cell.append(name, line);
  cell.setAttribute(
    'aria-label',
    (covered
      ? `${technique.id} ${technique.name}: ${covered.sigmaRules} Sigma rules, ${covered.countermeasures} ` +
        `countermeasures, ${covered.atomicTests} Atomic tests`
      : `${technique.id} ${technique.name}: out of scope`) +
      (subCount > 0 ? `; ${subCount} sub-techniques (+ and - show and hide them)` : ''),
  );
  wrapper.append(cell);
  return wrapper;
}

function renderLegend(chosen: Score) {
  const legend = $<HTMLElement>('#legend');
  const item = (colour: string, label: string, className = '') => {
    const span = document.createElement('span');
    const swatch = document.createElement('span');
    swatch.className = `swatch ${className}`;
    swatch.style.background = colour;
    span.append(swatch, label);
    return span;
  };
  const title = document.createElement('strong');
  title.textContent = scoreLabel();
  legend.replaceChildren(
    title,
    item(GAP_COLOUR, chosen === 'COMBINED' ? '0: none' : '0: gap', 'gap'),
    ...BUCKETS[chosen].map((bucket, i) =>
      item(GREENS[GREENS.length - BUCKETS[chosen].length + i] as string, bucket.label),
    ),
    item(OUT_COLOUR, 'out of scope'),
  );
}

function scoreLabel(): string {
  return (form.elements.namedItem('score') as HTMLSelectElement).selectedOptions[0]?.text ?? '';
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

/** The variables of the evidence query: the coverage filter, and the rules and tests it counts. */
function evidenceVariables(id: string, filter: Record<string, unknown>) {
  const rules: Record<string, unknown> = {
    status: (filter.sigmaStatuses as string[] | undefined) ?? DEFAULT_STATUSES,
  };
  if (filter.sigmaSources) rules.source = (filter.sigmaSources as string[])[0];
  if (filter.sigmaMinLevel) rules.minLevel = filter.sigmaMinLevel;
  return { id, filter, rules, platform: (filter.platforms as string[] | undefined)?.[0] ?? null };
}

/**
 * Opens (or refreshes) the evidence of a technique under the current filter. `focus`: a user asked for it, so the
 * panel takes the focus; a refresh after a filter change leaves the focus where it is. A newer call wins.
 */
async function openEvidence(id: string, focus: boolean) {
  const request = ++state.evidenceRequest;
  const filter = currentFilter();
  if (!filter) return;
  state.selected = id;
  for (const cell of matrix.querySelectorAll('.cell.selected')) cell.classList.remove('selected');
  for (const cell of matrix.querySelectorAll(`.cell[data-technique="${CSS.escape(id)}"]`)) {
    cell.classList.add('selected');
  }
  const content = evidence.querySelector('.content') as HTMLElement;
  if (evidence.dataset.technique !== id) content.replaceChildren(element('p', 'Loading…'));
  evidence.hidden = false;
  try {
    const { technique } = await gql<{ technique: Evidence | null }>(EVIDENCE_QUERY, evidenceVariables(id, filter));
    if (request !== state.evidenceRequest) return;
    if (!technique) throw new Error(`${id} is not in the graph`);
    content.replaceChildren(...evidenceNodes(technique));
    evidence.dataset.technique = technique.id;
    if (focus) (content.querySelector('h2') as HTMLElement).focus();
  } catch (error) {
    if (request === state.evidenceRequest) content.replaceChildren(element('p', (error as Error).message));
  }
}

/** Closes the evidence; the focus goes back to the technique's cell (found again: the matrix may have been redrawn). */
function closeEvidence() {
  const id = state.selected;
  state.evidenceRequest++;
  evidence.hidden = true;
  delete evidence.dataset.technique;
  state.selected = null;
  for (const cell of matrix.querySelectorAll('.cell.selected')) cell.classList.remove('selected');
  if (!id) return;
  const cell =
    (state.active?.technique === id
      ? matrix.querySelector<HTMLElement>(
          `.tactic[data-tactic="${CSS.escape(state.active.col)}"] .cell[data-technique="${CSS.escape(id)}"]`,
        )
      : null) ?? matrix.querySelector<HTMLElement>(`.cell[data-technique="${CSS.escape(id)}"]`);
  cell?.focus();
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

/** A link that opens in a new tab; only http(s) addresses become links. */
function link(text: string, href: string | null): Node {
  if (!href || !/^https?:\/\//i.test(href)) return document.createTextNode(text);
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
    element('span', `${t.coverage.sigmaRules} Sigma rules`),
    element('span', `${t.coverage.countermeasures} countermeasures`),
    element('span', `${t.coverage.atomicTests} Atomic tests`),
    element('span', 'under the filter', 'meta'),
  );
  // A download rather than a link: with API keys on, a plain link could not send the key.
  const report = element('button', 'Download the Markdown report');
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
    element('h3', `Sigma rules that count under the filter (${t.sigmaRules.totalCount})`),
    rules,
    ...(t.sigmaRules.nodes.length < t.sigmaRules.totalCount
      ? [element('p', `Showing the first ${t.sigmaRules.nodes.length} of ${t.sigmaRules.totalCount}.`, 'meta')]
      : []),
    element('h3', `D3FEND countermeasures (${t.countermeasures.length})`),
    countermeasures,
    element('h3', `Atomic tests for the platform (${t.atomicTests.length})`),
    tests,
    element('h3', `Groups that use it (${t.groups.totalCount})`),
    groups,
    ...(t.groups.nodes.length < t.groups.totalCount
      ? [element('p', `Showing the first ${t.groups.nodes.length} of ${t.groups.totalCount}.`, 'meta')]
      : []),
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
  const filter = currentFilter();
  if (!filter) throw new Error('Name a known threat group first (or clear the field).');
  const { navigatorLayer } = await gql<{ navigatorLayer: string }>(LAYER_QUERY, { filter, score: score() });
  download(`${fileStem()}.json`, new Blob([navigatorLayer], { type: 'application/json' }));
}

const xml = (text: string) => text.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** What the filters are set to, in words, for the pictures' caption. */
function filterCaption(): string {
  const parts = [`${value('domain').toLowerCase()} matrix`, `colour: ${scoreLabel()}`];
  for (const [name, label] of [
    ['platform', 'platform'],
    ['group', 'threat group'],
    ['sigmaSource', 'Sigma source'],
    ['sigmaMinLevel', 'minimum level'],
    ['sigmaStatus', 'status'],
  ] as const) {
    if (value(name).trim()) parts.push(`${label}: ${value(name).trim()}`);
  }
  if (value('rollUp') === 'true') parts.push('sub-techniques rolled up');
  return parts.join(' · ');
}

/** The matrix as it is shown (expanded sub-techniques included) as an SVG picture, with a caption and legend. */
function matrixSvg(): { svg: string; width: number; height: number } {
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
        `<text x="${x + 4 + indent}" y="${y + 11}" font-size="9.5" fill="${isDark(fill) ? '#fff' : '#1d2733'}">${xml(label)}</text>`,
        `<text x="${x + 4 + indent}" y="${y + 21}" font-size="8" fill="${isDark(fill) ? '#fff' : '#5b6773'}">${xml(t.id)}${number === null ? '' : ` · ${number}`}</text>`,
      );
      row++;
    }
    maxRows = Math.max(maxRows, row);
  }
  const width = cols.length * colWidth;
  const legendY = headHeight + maxRows * rowHeight + 12;
  const legend = [
    [GAP_COLOUR, chosen === 'COMBINED' ? '0: none' : '0: gap'],
    ...BUCKETS[chosen].map((bucket, i) => [GREENS[GREENS.length - BUCKETS[chosen].length + i] as string, bucket.label]),
    [OUT_COLOUR, 'out of scope'],
  ];
  parts.push(`<text x="4" y="${legendY + 10}" font-size="11" fill="#1d2733">${xml(filterCaption())}</text>`);
  for (const [i, [colour, label]] of legend.entries()) {
    const lx = 4 + i * 190;
    parts.push(
      `<rect x="${lx}" y="${legendY + 18}" width="14" height="14" fill="${colour}" stroke="#d5dbe1"/>`,
      `<text x="${lx + 20}" y="${legendY + 29}" font-size="10" fill="#1d2733">${xml(String(label))}</text>`,
    );
  }
  const height = legendY + 40;
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

/** Opens or closes the sub-techniques of the parent cell `key` (`tactic/technique`) and keeps the focus on it. */
function toggleSubs(key: string, open: boolean) {
  if (open === state.expanded.has(key)) return;
  if (open) state.expanded.add(key);
  else state.expanded.delete(key);
  const [col = '', technique = ''] = key.split('/');
  state.active = { col, technique };
  render();
  focusActive();
}

function focusActive() {
  if (!state.active) return;
  matrix
    .querySelector<HTMLElement>(
      `.tactic[data-tactic="${CSS.escape(state.active.col)}"] .cell[data-technique="${CSS.escape(state.active.technique)}"]`,
    )
    ?.focus();
}

matrix.addEventListener('click', (event) => {
  const target = event.target as HTMLElement;
  const toggle = target.closest<HTMLElement>('.toggle');
  if (toggle?.dataset.toggle) {
    toggleSubs(toggle.dataset.toggle, !state.expanded.has(toggle.dataset.toggle));
    return;
  }
  const cell = target.closest<HTMLElement>('.cell');
  if (cell?.dataset.technique) void openEvidence(cell.dataset.technique, true);
});
// The roving Tab stop follows the focus.
matrix.addEventListener('focusin', (event) => {
  const cell = (event.target as HTMLElement).closest<HTMLElement>('.cell');
  const col = cell?.closest<HTMLElement>('.tactic')?.dataset.tactic;
  if (!cell?.dataset.technique || !col) return;
  for (const other of matrix.querySelectorAll<HTMLElement>('.cell[tabindex="0"]')) other.tabIndex = -1;
  cell.tabIndex = 0;
  state.active = { col, technique: cell.dataset.technique };
});
matrix.addEventListener('keydown', (event) => {
  const cell = (event.target as HTMLElement).closest<HTMLElement>('.cell');
  if (!cell) return;
  if (event.key.startsWith('Arrow')) {
    event.preventDefault();
    moveFocus(cell, event.key);
  } else if ((event.key === '+' || event.key === '-') && cell.dataset.toggle) {
    event.preventDefault();
    toggleSubs(cell.dataset.toggle, event.key === '+');
  }
});
evidence.addEventListener('click', (event) => {
  const target = event.target as HTMLElement;
  if (target.closest('.close')) closeEvidence();
  const report = target.closest<HTMLElement>('[data-report]');
  if (report?.dataset.report) guarded(() => openReport(report.dataset.report as string))();
});
// Escape closes the evidence, but not while it dismisses something of a form field (the group suggestions).
document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape' && !evidence.hidden && !(event.target as HTMLElement).closest('#filters')) {
    closeEvidence();
  }
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
  if (name === 'domain') {
    // Another matrix: the platform list and the open evidence belong to the old one.
    (form.elements.namedItem('platform') as HTMLSelectElement).value = '';
    if (!evidence.hidden) closeEvidence();
  }
  void refresh().then(() => {
    if (state.selected && !evidence.hidden) void openEvidence(state.selected, false);
  });
});
form.addEventListener('submit', (event) => event.preventDefault());
$<HTMLButtonElement>('#download-layer').addEventListener('click', guarded(downloadLayer));
$<HTMLButtonElement>('#download-svg').addEventListener('click', guarded(downloadSvg));
$<HTMLButtonElement>('#download-png').addEventListener('click', guarded(downloadPng));

guarded(async () => {
  await Promise.all([loadChoices(), refresh()]);
})();
