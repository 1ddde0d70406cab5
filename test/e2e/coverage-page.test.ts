// The coverage page end to end: a real headless Chromium against the API on a Neo4j seeded with the shared data.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { WARM_UP_QUERY } from '../../src/api/server.js';
import { projectRoot } from '../../src/config.js';
import type { Graph } from '../../src/graph/driver.js';
import { seed } from '../../src/seed/pipeline.js';
import { startTestServer, type TestServer } from '../helpers/api.js';
import { resetGraph, testGraph } from '../helpers/graph.js';
import { sharedData, skipWithoutSharedData } from '../helpers/paths.js';

const ENTERPRISE = path.join(sharedData, 'attack', 'enterprise-attack.json');
const MOBILE = path.join(sharedData, 'attack', 'mobile-attack.json');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Where the test leaves its screenshots (git-ignored). */
const SHOTS = path.join(projectRoot, 'test-output', 'screenshots');
/** Flags this machine's closed network needs (see the env notes): no background connections, no sandbox as root. */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Skip without Chromium on a user's machine; CI (.ci/run installs it) sets COVERAGE_GRAPH_E2E=required. */
function skipWithoutChromium(): string | false {
  if (existsSync(CHROMIUM)) return false;
  if (process.env.COVERAGE_GRAPH_E2E === 'required') throw new Error(`the e2e tests need Chromium at ${CHROMIUM}`);
  return `no Chromium at ${CHROMIUM} (install Debian's chromium, or set CHROMIUM_PATH)`;
}

const skip = skipWithoutSharedData() || skipWithoutChromium();

/**
 * The little of the DOM that the callbacks run in the page touch (this file compiles without the DOM library;
 * callbacks reach the page's globals through `globalThis`, since they run there, not here).
 */
interface Dom {
  dataset: Record<string, string | undefined>;
  textContent: string | null;
  querySelector(selector: string): Dom | null;
}
interface PageGlobals {
  document: { body: Dom; activeElement: Dom | null };
}

/** The tactic names of a bundle's matrix in matrix order, from the bundle itself (its matrix object lists them). */
function matrixTactics(bundle: string): string[] {
  const objects = (JSON.parse(readFileSync(bundle, 'utf8')) as { objects: Record<string, unknown>[] }).objects;
  const matrix = objects.find((o) => o.type === 'x-mitre-matrix' && !o.revoked && !o.x_mitre_deprecated) as {
    tactic_refs: string[];
  };
  const byStix = new Map(objects.map((o) => [o.id, o]));
  return matrix.tactic_refs.map((ref) => (byStix.get(ref) as { name: string }).name);
}

interface TacticCounts {
  tactic: { id: string; name: string };
  counts: { techniques: number; detected: number; countered: number; tested: number };
}

describe('the coverage page in headless Chromium', { skip }, () => {
  let graph: Graph;
  let api: TestServer;
  let browser: Browser;
  let page: Page;
  let pageUrl: string;

  /** Waits until the page has finished the request after `previous` (it counts them in body[data-ready]). */
  const settled = async (previous: number) => {
    await page.waitForFunction(
      (n) => Number((globalThis as unknown as PageGlobals).document.body.dataset.ready ?? 0) > n,
      previous,
    );
    return Number(await page.evaluate(() => (globalThis as unknown as PageGlobals).document.body.dataset.ready));
  };
  const ready = () =>
    page.evaluate(() => Number((globalThis as unknown as PageGlobals).document.body.dataset.ready ?? 0));
  /** Per tactic column, what its totals line carries. */
  const shownTotals = () =>
    page.$$eval('.tactic', (columns) =>
      (columns as unknown as Dom[]).map((c) => {
        const totals = c.querySelector('.totals')?.dataset ?? {};
        return {
          id: c.dataset.tactic,
          name: c.querySelector('h2')?.textContent,
          techniques: Number(totals.techniques),
          detected: Number(totals.detected),
          countered: Number(totals.countered),
          tested: Number(totals.tested),
        };
      }),
    );
  const apiTotals = async (filter: Record<string, unknown>) => {
    const { data, errors } = await api.gql(
      'query($filter: CoverageFilter) { coverage(filter: $filter) { tactics { tactic { id name } counts { techniques detected countered tested } } } }',
      { filter },
    );
    assert.equal(errors, undefined);
    return (data as { coverage: { tactics: TacticCounts[] } }).coverage.tactics.map((t) => ({
      id: t.tactic.id,
      name: t.tactic.name,
      ...t.counts,
    }));
  };

  before(async () => {
    graph = testGraph();
    await resetGraph(graph);
    await seed(
      graph,
      {
        attack: [ENTERPRISE, MOBILE],
        d3fend: [path.join(sharedData, 'd3fend', 'd3fend.ttl')],
        sigma: [{ name: 'sigmahq', location: path.join(sharedData, 'sigma') }],
        atomic: [path.join(sharedData, 'atomic-red-team', 'atomics')],
      },
      { batchSize: 5000 },
    );
    api = await startTestServer(graph);
    // As `coverage-graph serve` does when it starts (warmUp): Neo4j plans the page's first statements.
    assert.equal((await api.gql(WARM_UP_QUERY)).errors, undefined);
    pageUrl = api.url.replace(/\/graphql$/, '/coverage');
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    page = await context.newPage();
    mkdirSync(SHOTS, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await api?.stop();
    await graph?.close();
  });

  it('shows the 14 Enterprise tactics in matrix order with the totals the API gives', async () => {
    const started = Date.now();
    await page.goto(pageUrl);
    await settled(0);
    // Reported, not asserted (speed is measured, never a test condition): the first full render here, on a server
    // just started and warmed up as `serve` does (empty response cache), then a reload.
    const status = () => page.textContent('#status');
    console.log(`# first full render: ${Date.now() - started} ms from navigation (${await status()})`);
    const reloaded = Date.now();
    await page.reload();
    await settled(0);
    console.log(`# after a reload: ${Date.now() - reloaded} ms from navigation (${await status()})`);
    const expected = matrixTactics(ENTERPRISE);
    const shown = await shownTotals();
    assert.equal(shown.length, 14);
    // One Tab stop for the whole matrix.
    assert.equal(await page.$$eval('.cell[tabindex="0"]', (cells) => cells.length), 1);
    assert.deepEqual(
      shown.map((c) => c.name),
      expected,
    );
    assert.deepEqual(shown, await apiTotals({ domain: 'ENTERPRISE' }));
    await page.screenshot({ path: path.join(SHOTS, 'coverage-enterprise.png'), fullPage: false });
  });

  it('applies a platform filter: the totals become what the API returns for it', async () => {
    const before = await shownTotals();
    const previous = await ready();
    await page.selectOption('select[name=platform]', 'Linux');
    await settled(previous);
    const linux = await shownTotals();
    assert.deepEqual(linux, await apiTotals({ domain: 'ENTERPRISE', platforms: ['Linux'] }));
    assert.notDeepEqual(linux, before, 'the filter changed the totals');
    await page.screenshot({ path: path.join(SHOTS, 'coverage-linux.png') });
    const again = await ready();
    await page.selectOption('select[name=platform]', '');
    await settled(again);
  });

  it('applies a threat group typed by name, and the roll-up, as the API counts them', async () => {
    let previous = await ready();
    await page.fill('input[name=group]', 'APT29');
    await page.press('input[name=group]', 'Enter');
    await page.locator('input[name=group]').blur();
    previous = await settled(previous);
    assert.deepEqual(await shownTotals(), await apiTotals({ domain: 'ENTERPRISE', groups: ['G0016'] }));
    await page.check('input[name=rollUp]');
    previous = await settled(previous);
    assert.deepEqual(
      await shownTotals(),
      await apiTotals({ domain: 'ENTERPRISE', groups: ['G0016'], rollUpSubtechniques: true }),
    );
    assert.equal(await page.$$eval('.toggle', (toggles) => toggles.length), 0, 'rolled up: nothing to expand');
    await page.uncheck('input[name=rollUp]');
    previous = await settled(previous);
    await page.fill('input[name=group]', '');
    await page.locator('input[name=group]').blur();
    await settled(previous);
    assert.deepEqual(await shownTotals(), await apiTotals({ domain: 'ENTERPRISE' }));
  });

  it('opens the evidence of T1550.001 under the filter: its rules, countermeasures, tests, groups, report', async () => {
    let previous = await ready();
    await page.selectOption('select[name=sigmaMinLevel]', 'MEDIUM');
    previous = await settled(previous);
    const { data } = await api.gql(`{ technique(id: "T1550.001") {
      coverage(filter: {sigmaMinLevel: MEDIUM}) { sigmaRules }
      sigmaRules(filter: {minLevel: MEDIUM, status: [STABLE, TEST, EXPERIMENTAL]}, first: 100) { totalCount }
      all: sigmaRules(first: 100) { totalCount }
      countermeasures { technique { id } } atomicTests { guid }
      groups(first: 100) { totalCount } } }`);
    const expected = (
      data as {
        technique: {
          coverage: { sigmaRules: number };
          sigmaRules: { totalCount: number };
          all: { totalCount: number };
          countermeasures: { technique: { id: string } }[];
          atomicTests: unknown[];
          groups: { totalCount: number };
        };
      }
    ).technique;
    // The reference report of T1550.001 lists countermeasures and Sigma rules (and no Atomic test: none exists);
    // the level filter keeps some of its rules, not all.
    assert.ok(expected.countermeasures.length > 0);
    assert.ok(expected.sigmaRules.totalCount > 0 && expected.sigmaRules.totalCount < expected.all.totalCount);
    assert.equal(expected.sigmaRules.totalCount, expected.coverage.sigmaRules, 'the list is what the count counts');
    // A sub-technique: open its parent's row in Defense Evasion first.
    await page.click('.toggle[data-toggle="TA0005/T1550"]');
    await page.click('.cell[data-technique="T1550.001"]');
    await page.waitForSelector('aside#evidence[data-technique="T1550.001"]');
    const title = await page.textContent('#evidence-title');
    assert.match(title ?? '', /^T1550\.001 Application Access Token$/);
    const items = (list: string) => page.$$eval(`[data-list="${list}"] > li`, (lis) => lis.length);
    assert.equal(await items('sigma'), expected.sigmaRules.totalCount);
    assert.equal(await items('countermeasures'), expected.countermeasures.length);
    assert.equal(await items('atomic'), expected.atomicTests.length);
    assert.equal(await items('groups'), expected.groups.totalCount);
    const firstCountermeasure = await page.textContent('[data-list="countermeasures"] > li strong');
    assert.ok(
      expected.countermeasures.some((c) => firstCountermeasure?.startsWith(`${c.technique.id} `)),
      String(firstCountermeasure),
    );
    // Each countermeasure with its artifact path; each SigmaHQ rule linked to its file.
    assert.match(
      (await page.textContent('[data-list="countermeasures"] > li .meta')) ?? '',
      /\S+ .+ ← \S+ .+ \(via T1550/,
    );
    const links = await page.$$eval('[data-list="sigma"] a', (as) => as.map((a) => a.getAttribute('href') ?? ''));
    assert.equal(links.length, expected.sigmaRules.totalCount);
    for (const href of links) assert.match(href, /^https:\/\/github\.com\/SigmaHQ\/sigma\/blob\/.+\.yml$/);
    // The report button downloads the Markdown report, as the API renders it.
    const [report] = await Promise.all([page.waitForEvent('download'), page.click('[data-report="T1550.001"]')]);
    const markdown = readFileSync((await report.path()) as string, 'utf8');
    const { data: reportData } = await api.gql('{ techniqueReport(id: "T1550.001") }');
    assert.equal(markdown, (reportData as { techniqueReport: string }).techniqueReport);
    assert.match(markdown, /^# T1550\.001: Application Access Token/);
    await page.screenshot({ path: path.join(SHOTS, 'coverage-evidence-T1550.001.png') });
    // Escape closes it and gives the focus back to the cell.
    await page.focus('#evidence-title');
    await page.keyboard.press('Escape');
    assert.equal(await page.isHidden('aside#evidence'), true);
    assert.equal(
      await page.evaluate(() => (globalThis as unknown as PageGlobals).document.activeElement?.dataset.technique),
      'T1550.001',
    );
    await page.selectOption('select[name=sigmaMinLevel]', '');
    await settled(previous);
  });

  it('switches domain: the other matrix, its totals, and no platform of the old one', async () => {
    let previous = await ready();
    await page.selectOption('select[name=platform]', 'Linux');
    previous = await settled(previous);
    await page.selectOption('select[name=domain]', 'MOBILE');
    previous = await settled(previous);
    const shown = await shownTotals();
    assert.deepEqual(
      shown.map((c) => c.name),
      matrixTactics(MOBILE),
    );
    assert.equal(await page.inputValue('select[name=platform]'), '');
    assert.deepEqual(shown, await apiTotals({ domain: 'MOBILE' }));
    await page.selectOption('select[name=domain]', 'ENTERPRISE');
    await settled(previous);
    assert.equal((await shownTotals()).length, 14);
  });

  it('says so when the threat group is unknown, and leaves the matrix as it was', async () => {
    const before = await shownTotals();
    await page.fill('input[name=group]', 'No Such Group');
    await page.locator('input[name=group]').blur();
    await page.waitForSelector('#status.error');
    assert.match((await page.textContent('#status')) ?? '', /No threat group "No Such Group"/);
    assert.equal(await page.getAttribute('input[name=group]', 'aria-invalid'), 'true');
    assert.deepEqual(await shownTotals(), before);
    const previous = await ready();
    await page.fill('input[name=group]', '');
    await page.locator('input[name=group]').blur();
    await settled(previous);
  });

  it('moves between cells with the arrow keys and opens evidence with Enter', async () => {
    await page.focus('.cell[data-col="0"][data-row="0"]');
    await page.keyboard.press('ArrowDown');
    const second = await page.evaluate(
      () => (globalThis as unknown as PageGlobals).document.activeElement?.dataset ?? {},
    );
    assert.equal(second.row, '1');
    assert.equal(second.col, '0');
    await page.keyboard.press('ArrowRight');
    assert.equal(
      await page.evaluate(() => (globalThis as unknown as PageGlobals).document.activeElement?.dataset.col),
      '1',
    );
    const id = await page.evaluate(
      () => (globalThis as unknown as PageGlobals).document.activeElement?.dataset.technique,
    );
    await page.keyboard.press('Enter');
    await page.waitForSelector(`aside#evidence[data-technique="${id}"]`);
    await page.keyboard.press('Escape');
    // + and - show and hide a technique's sub-techniques from the keyboard; the focus stays on it.
    await page.focus('.tactic[data-tactic="TA0006"] .cell[data-technique="T1003"]');
    await page.keyboard.press('+');
    assert.equal(
      await page.getAttribute('.tactic[data-tactic="TA0006"] .cell[data-technique="T1003"]', 'aria-expanded'),
      'true',
    );
    assert.ok((await page.$$('.tactic[data-tactic="TA0006"] .cell[data-technique="T1003.001"]')).length === 1);
    assert.equal(
      await page.evaluate(() => (globalThis as unknown as PageGlobals).document.activeElement?.dataset.technique),
      'T1003',
    );
    await page.keyboard.press('-');
    assert.equal((await page.$$('.tactic[data-tactic="TA0006"] .cell[data-technique="T1003.001"]')).length, 0);
    assert.equal(await page.$$eval('.cell[tabindex="0"]', (cells) => cells.length), 1);
  });

  it('downloads the view as a Navigator layer (valid JSON, the API layer), an SVG and a PNG', async () => {
    const fetchDownload = async (button: string) => {
      const [download] = await Promise.all([page.waitForEvent('download'), page.click(button)]);
      const file = await download.path();
      assert.ok(file, 'downloaded');
      return { name: download.suggestedFilename(), body: readFileSync(file) };
    };
    // The current view: a platform and a score of the user's choice.
    const previous = await ready();
    await page.selectOption('select[name=platform]', 'Windows');
    await settled(previous);
    await page.selectOption('select[name=score]', 'SIGMA_RULES');
    const layer = await fetchDownload('#download-layer');
    assert.equal(layer.name, 'coverage-enterprise-sigma-rules.json');
    const parsed = JSON.parse(layer.body.toString('utf8')) as { domain: string; techniques: unknown[] };
    const { data } = await api.gql(
      '{ navigatorLayer(filter: {domain: ENTERPRISE, platforms: ["Windows"]}, score: SIGMA_RULES) }',
    );
    assert.deepEqual(parsed, JSON.parse((data as { navigatorLayer: string }).navigatorLayer));
    assert.equal(parsed.domain, 'enterprise-attack');
    assert.ok(parsed.techniques.length > 0);

    const svg = await fetchDownload('#download-svg');
    const text = svg.body.toString('utf8');
    assert.match(text, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[^>]*>.*Defense Evasion.*<\/svg>$/s);
    assert.match(text, /colour: Sigma rules · platform: Windows/, 'the caption says what is shown');
    const png = await fetchDownload('#download-png');
    assert.deepEqual([...png.body.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    await page.selectOption('select[name=score]', 'COMBINED');
    const again = await ready();
    await page.selectOption('select[name=platform]', '');
    await settled(again);
  });

  it('serves the page without an API key, and asks for one when GraphQL needs it', async () => {
    const keyed = await startTestServer(graph, { apiKeys: ['e2e-secret-key-123456'] });
    try {
      const url = keyed.url.replace(/\/graphql$/, '/coverage');
      const response = await fetch(url);
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-security-policy') ?? '', /script-src 'self'/);
      const other = await browser.newPage();
      await other.goto(url);
      await other.waitForSelector('label.key:not([hidden])');
      assert.match((await other.textContent('#status')) ?? '', /API key/);
      await other.fill('input[name=apiKey]', 'e2e-secret-key-123456');
      await other.dispatchEvent('input[name=apiKey]', 'change');
      await other.waitForFunction(
        () => Number((globalThis as unknown as PageGlobals).document.body.dataset.ready ?? 0) > 0,
      );
      assert.equal(await other.$$eval('.tactic', (c) => c.length), 14);
      await other.close();
    } finally {
      await keyed.stop();
    }
  });
});
