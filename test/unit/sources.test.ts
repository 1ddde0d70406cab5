// The default sources and fetching (seed/sources.yml names the official bundles; files and URLs are read alike), and
// which sources a seed writes at the same time.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { SourceError } from '../../src/errors.js';
import {
  ATOMIC_LABELS,
  ATTACK_LABELS,
  D3FEND_LABELS,
  type NodeLabel,
  RELEASE_LABELS,
  SIGMA_LABELS,
} from '../../src/graph/model.js';
import { defaultSources } from '../../src/seed/defaults.js';
import { fetchSource } from '../../src/seed/fetch.js';
import { writeLanes } from '../../src/seed/pipeline.js';
import type { SourceRecords } from '../../src/seed/records.js';
import { fixture } from '../helpers/paths.js';

describe('default sources', () => {
  it('are the official ATT&CK bundles (attack-stix-data, which name their release) and the D3FEND ontology', () => {
    assert.deepEqual(defaultSources().d3fend, ['https://d3fend.mitre.org/ontologies/d3fend.ttl']);
    assert.deepEqual(defaultSources().attack, [
      'https://raw.githubusercontent.com/mitre-attack/attack-stix-data/master/enterprise-attack/enterprise-attack.json',
      'https://raw.githubusercontent.com/mitre-attack/attack-stix-data/master/mobile-attack/mobile-attack.json',
      'https://raw.githubusercontent.com/mitre-attack/attack-stix-data/master/ics-attack/ics-attack.json',
    ]);
  });
});

describe('fetchSource', () => {
  let server: http.Server;
  let base: string;
  const body = readFileSync(fixture('attack', 'mini-enterprise.json'));
  before(async () => {
    server = http.createServer((req, res) => {
      if (req.url === '/mini.json') res.writeHead(200, { 'content-type': 'application/json' }).end(body);
      else res.writeHead(404).end('not here');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('reads a file and a URL to the same bytes', async () => {
    assert.deepEqual(await fetchSource(fixture('attack', 'mini-enterprise.json')), body);
    assert.deepEqual(await fetchSource(`${base}/mini.json`), body);
  });

  it('names the URL and the HTTP status when a download fails', async () => {
    await assert.rejects(fetchSource(`${base}/missing.json`), (error: SourceError) => {
      assert.equal(error.message, `${base}/missing.json: download: HTTP 404 Not Found`);
      return true;
    });
  });

  it('names the path when a file is missing or a folder', async () => {
    await assert.rejects(fetchSource('/nonexistent/bundle.json'), {
      message: '/nonexistent/bundle.json: file: no such file',
    });
    await assert.rejects(fetchSource(fixture('attack')), {
      message: `${fixture('attack')}: file: is a folder, expected a file`,
    });
  });
});

describe('write lanes', () => {
  const source = (labels: readonly NodeLabel[], edges: [NodeLabel, NodeLabel][] = []) => ({
    labels,
    records: {
      nodes: [],
      edges: edges.map(([from, to]) => ({ from: { label: from }, to: { label: to } })),
    } as unknown as SourceRecords,
  });

  it('writes sources of unrelated labels at the same time and sources sharing a label one after another, in order', () => {
    const sources = [
      source(ATTACK_LABELS),
      source(RELEASE_LABELS),
      source(ATTACK_LABELS),
      source(D3FEND_LABELS),
      source(SIGMA_LABELS),
      source(SIGMA_LABELS),
      source(ATOMIC_LABELS),
    ];
    assert.deepEqual(writeLanes(sources), [[0, 2], [1], [3], [4, 5], [6]]);
  });

  it('joins the lanes of the labels a source links, keeping the order of the sources', () => {
    const sources = [
      source(SIGMA_LABELS),
      source(ATOMIC_LABELS),
      source(D3FEND_LABELS),
      source(['CoverageClaim'], [['SigmaRule', 'AtomicTest']]),
    ];
    assert.deepEqual(writeLanes(sources), [[0, 1, 3], [2]]);
  });
});
