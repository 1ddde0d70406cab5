// Sigma rules and Atomic tests on a real Neo4j: links made in any order, --strict, and the real SigmaHQ and
// Atomic Red Team folders against plain scans of their YAML.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import yaml from 'js-yaml';
import { SourceError } from '../../src/errors.js';
import type { Graph } from '../../src/graph/driver.js';
import { readNodesWithRelated } from '../../src/graph/read.js';
import { readFolder } from '../../src/seed/folder.js';
import { seed } from '../../src/seed/pipeline.js';
import { startTestServer, type TestServer } from '../helpers/api.js';
import { externalId, loadObjects } from '../helpers/bundles.js';
import { countQueries, fingerprint, resetGraph, testGraph } from '../helpers/graph.js';
import { fixture, sharedData, skipWithoutSharedData } from '../helpers/paths.js';

const batchSize = 5000;

describe('Sigma and Atomic on hand-made sources', () => {
  let graph: Graph;
  const sigma = [{ name: 'sigmahq', location: fixture('sigma') }];
  const links = async () =>
    (
      await graph.read(
        `MATCH (a)-[r:DETECTS|FOR_TACTIC|TESTS]->(b) WHERE a:SigmaRule OR a:AtomicTest
         RETURN coalesce(a.title, a.name) + ' ' + type(r) + ' ' + b.id + coalesce(' ' + reduce(s = '', t IN r.tags | s + t + ','), '') AS link
         ORDER BY link`,
      )
    ).map((row) => row.link as string);
  before(() => {
    graph = testGraph();
  });
  after(() => graph?.close());

  it('links rules and tests to what is loaded, whatever the order, a revoked tag reaching its replacement', async () => {
    await resetGraph(graph);
    const run = await seed(
      graph,
      { attack: [fixture('attack', 'mini-enterprise.json')], sigma, atomic: [fixture('atomic')] },
      { batchSize },
    );
    assert.deepEqual(await links(), [
      'AWS STS GetSessionToken Misuse DETECTS T1527 T1527,',
      'AWS STS GetSessionToken Misuse DETECTS T1550.001 T1550.001,T1527,',
      'AWS STS GetSessionToken Misuse FOR_TACTIC TA0008',
      'Azure - Functions code upload TESTS T1550.001',
      'Azure - Functions code upload TESTS T1550.001',
      'Remote Service Creation DETECTS T1550 T1550,',
      'Remote Service Creation FOR_TACTIC TA0008',
    ]);
    assert.deepEqual(run.links.unknownTechniqueIds, ['T1548', 'T9999']);
    assert.deepEqual(run.links.unknownTacticTags, ['privilege-escalation', 'stealth']);
    assert.deepEqual(run.links.revokedTechniqueTags, ['T1527']);
    assert.equal(run.sources.find((s) => s.scope === 'sigma:sigmahq')?.warnings.filter((w) => w.skipped).length, 7);
    const together = await fingerprint(graph);
    await resetGraph(graph);
    await seed(graph, { attack: [], sigma, atomic: [fixture('atomic')] }, { batchSize });
    await seed(graph, { attack: [fixture('attack', 'mini-enterprise.json')] }, { batchSize });
    assert.deepEqual(await fingerprint(graph), together);
  });

  it('reads large text properties of related nodes when a field shows them, and leaves them out otherwise', async () => {
    await resetGraph(graph);
    await seed(
      graph,
      { attack: [fixture('attack', 'mini-enterprise.json')], sigma, atomic: [fixture('atomic')] },
      { batchSize },
    );
    const ruleFile = fixture('sigma', 'rules', 'cloud', 'aws_sts_getsessiontoken_misuse.yml');
    const rule = yaml.load(readFileSync(ruleFile, 'utf8')) as Record<string, unknown>;
    const atomics = yaml.load(readFileSync(fixture('atomic', 'T1550.001', 'T1550.001.yaml'), 'utf8')) as {
      atomic_tests: { name: string; description: string; executor: { command?: string } }[];
    };
    const api = await startTestServer(graph);
    const sent: { cypher: string; params: Record<string, unknown> }[] = [];
    const stopListening = graph.onQuery((cypher, params) => sent.push({ cypher, params }));
    try {
      const full = await api.gql(`{
        technique(id: "T1550.001") {
          sigmaRules { nodes { id yaml description references falsepositives } }
          atomicTests { name description command }
        }
      }`);
      assert.equal(full.errors, undefined);
      const technique = full.data?.technique as {
        sigmaRules: { nodes: Record<string, unknown>[] };
        atomicTests: Record<string, unknown>[];
      };
      const found = technique.sigmaRules.nodes.find((n) => n.id === rule.id) as Record<string, unknown>;
      assert.equal(found.yaml, readFileSync(ruleFile, 'utf8'));
      assert.equal(found.description, rule.description);
      assert.deepEqual(found.references, rule.references);
      assert.deepEqual(found.falsepositives, rule.falsepositives);
      assert.deepEqual(
        technique.atomicTests.map((t) => [t.name, t.description, t.command]),
        // The seeder trims descriptions (block scalars end with a newline).
        atomics.atomic_tests.map((t) => [t.name, t.description.trim(), t.executor.command ?? null]),
      );
      // Without those fields, the same reads leave the text out.
      sent.length = 0;
      const slim = await api.gql('{ technique(id: "T1550.001") { sigmaRules { nodes { id } } atomicTests { name } } }');
      assert.equal(slim.errors, undefined);
      // The relation statement has a branch per relation, the one matching `[r:<type>]` collecting each related
      // node's properties as the list `[m.`name`, …]`.
      const [relations] = sent.filter((q) => q.cypher.includes('UNION ALL') || q.cypher.includes('$keys0'));
      assert.ok(relations);
      const keepOf = (type: string) => {
        const branch = relations.cypher.split('UNION ALL').find((text) => text.includes(`[r:${type}]`));
        assert.ok(branch, `a branch for ${type}`);
        const list = /collect\(\[\[([^\]]*)\]/.exec(branch)?.[1];
        assert.ok(list, `the property list of the ${type} branch`);
        return [...list.matchAll(/m\.`(\w+)`/g)].map((match) => match[1]);
      };
      for (const property of ['yaml', 'description', 'references']) assert.ok(!keepOf('DETECTS').includes(property));
      for (const property of ['command', 'description']) assert.ok(!keepOf('TESTS').includes(property));
      assert.ok(keepOf('DETECTS').includes('id'));
      assert.ok(keepOf('TESTS').includes('name'));
      // The names are in the statement's text: a permutation of the same fields sends the same statement (one plan).
      const statementOf = async (fields: string) => {
        sent.length = 0;
        const answer = await api.gql(`{ technique(id: "T1550.001") { sigmaRules { nodes { ${fields} } } } }`);
        assert.equal(answer.errors, undefined);
        // The lookup with its relations (the response cache may read the graph's version beside it).
        const lookups = sent.filter((q) => q.cypher.includes('[r:DETECTS]'));
        assert.equal(lookups.length, 1);
        return lookups[0]?.cypher;
      };
      const permuted = await statementOf('level title id');
      const ordered = await statementOf('id title level');
      assert.equal(permuted, ordered);
      assert.notEqual(await statementOf('id title'), ordered);
      // All properties (a null list, as pairs) and a list of names (projected, then sorted) read the same rules.
      const [read] = await readNodesWithRelated(
        graph,
        'Technique',
        ['T1550.001'],
        ['id', 'stixId'], // the key (stixId) tells a found node from a deleted one
        [
          { name: 'techniqueSigmaRules', keep: null },
          { name: 'techniqueSigmaRules', keep: ['uid', 'title'] },
        ],
      );
      const [all = [], named = []] = read?.related ?? [];
      assert.ok(all.length > 0);
      assert.deepEqual(
        named.map((item) => item.node),
        all.map((item) => ({ uid: item.node.uid, title: item.node.title })),
      );
      assert.equal(all.find((item) => item.node.id === rule.id)?.node.yaml, readFileSync(ruleFile, 'utf8'));
    } finally {
      stopListening();
      await api.stop();
    }
  });

  it('loads a rule archive from a URL like the folder it holds', async () => {
    const { createServer } = await import('node:http');
    const { zipSync } = await import('fflate');
    const files = await readFolder(fixture('sigma'), /\.ya?ml$/);
    const zip = Buffer.from(
      zipSync(Object.fromEntries(files.map((f) => [`rules-main/${f.path}`, Buffer.from(f.text)]))),
    );
    const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/zip' }).end(zip));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as { port: number };
      const url = `http://127.0.0.1:${port}/releases/sigma_all_rules.zip`;
      const { sources } = await seed(graph, { attack: [], sigma: [{ name: 'archive', location: url }] }, { batchSize });
      assert.equal(sources[0]?.nodes, 3);
      const rows = await graph.read("MATCH (s:SigmaRule {source: 'archive'}) RETURN s.path AS path ORDER BY path");
      assert.deepEqual(
        rows.map((r) => r.path),
        [
          'deprecated/old_rule.yml',
          'rules/cloud/aws_sts_getsessiontoken_misuse.yml',
          'rules/cloud/multi_document_rule.yml',
        ],
      );
    } finally {
      server.close();
    }
  });

  it('follows a chain of revocations to the current technique', async () => {
    const { mkdtempSync, mkdirSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(path.join(tmpdir(), 'coverage-graph-chain-'));
    const technique = (n: number, revoked: boolean) => ({
      type: 'attack-pattern',
      id: `attack-pattern--00000000-0000-4000-8000-00000000000${n}`,
      name: `Technique ${n}`,
      revoked,
      external_references: [{ source_name: 'mitre-attack', external_id: `T000${n}` }],
    });
    const revokedBy = (from: number, to: number) => ({
      type: 'relationship',
      id: `relationship--00000000-0000-4000-8000-00000000010${from}`,
      relationship_type: 'revoked-by',
      source_ref: `attack-pattern--00000000-0000-4000-8000-00000000000${from}`,
      target_ref: `attack-pattern--00000000-0000-4000-8000-00000000000${to}`,
    });
    const bundle = {
      type: 'bundle',
      id: 'bundle--00000000-0000-4000-8000-000000000009',
      objects: [
        { ...technique(1, true), x_mitre_domains: ['chain-attack'] },
        technique(2, true),
        technique(3, false),
        revokedBy(1, 2),
        revokedBy(2, 3),
      ],
    };
    writeFileSync(path.join(dir, 'chain.json'), JSON.stringify(bundle));
    mkdirSync(path.join(dir, 'rules'));
    writeFileSync(path.join(dir, 'rules', 'r.yml'), 'title: Old Tag\nid: 1\ntags:\n  - attack.t0001\n');
    await seed(
      graph,
      { attack: [path.join(dir, 'chain.json')], sigma: [{ name: 'chain', location: path.join(dir, 'rules') }] },
      { batchSize },
    );
    const rows = await graph.read(
      "MATCH (:SigmaRule {source: 'chain'})-[d:DETECTS]->(t:Technique) RETURN t.id AS id, d.tags AS tags ORDER BY id",
    );
    assert.deepEqual(rows, [
      { id: 'T0001', tags: ['T0001'] },
      { id: 'T0002', tags: ['T0001'] },
      { id: 'T0003', tags: ['T0001'] },
    ]);
  });

  it('with --strict, a folder with a bad file fails the run and writes nothing', async () => {
    const before = await fingerprint(graph);
    await assert.rejects(
      seed(graph, { attack: [], sigma: [{ name: 'other', location: fixture('sigma') }] }, { batchSize, strict: true }),
      (error: SourceError) =>
        error instanceof SourceError &&
        error.message ===
          `${fixture('sigma')}/z-broken/alias_bomb.yml: whole file: 156 YAML aliases, at most 64 (an alias bomb?) ` +
            '(--strict: 7 files would be skipped)',
    );
    assert.deepEqual(await fingerprint(graph), before);
  });
});

describe('the real SigmaHQ and Atomic Red Team folders', { skip: skipWithoutSharedData() }, () => {
  let graph: Graph;
  let api: TestServer;
  const enterprise = path.join(sharedData, 'attack', 'enterprise-attack.json');
  const sigmaFolder = path.join(sharedData, 'sigma');
  const atomics = path.join(sharedData, 'atomic-red-team', 'atomics');
  let skipped = -1;
  before(async () => {
    graph = testGraph();
    await resetGraph(graph);
    const { sources } = await seed(
      graph,
      { attack: [enterprise], sigma: [{ name: 'sigmahq', location: sigmaFolder }], atomic: [atomics] },
      { batchSize },
    );
    skipped = sources
      .filter((s) => s.scope.startsWith('sigma:'))
      .flatMap((s) => s.warnings.filter((w) => w.skipped)).length;
    api = await startTestServer(graph);
  });
  after(async () => {
    await api?.stop();
    await graph?.close();
  });

  it('skips exactly the files a plain YAML load cannot read as a rule with id and title', async () => {
    let unreadable = 0;
    for (const file of await readFolder(sigmaFolder, /\.ya?ml$/)) {
      try {
        const docs = yaml.loadAll(file.text) as Record<string, unknown>[];
        if (!docs.some((d) => d?.id) || !docs.some((d) => d?.title)) unreadable++;
      } catch {
        unreadable++;
      }
    }
    assert.equal(skipped, unreadable);
    assert.equal(skipped, 0, 'every SigmaHQ rule of this commit is readable');
  });

  it('returns for sample techniques the rules a plain scan of the tags finds (revoked tags reach replacements)', async () => {
    const objects = loadObjects([enterprise]);
    const byStix = new Map(objects.map((o) => [o.id, o]));
    const replacedBy = new Map<string, string>();
    for (const r of objects.filter((o) => o.type === 'relationship' && o.relationship_type === 'revoked-by')) {
      const from = byStix.get(r.source_ref as string);
      const to = byStix.get(r.target_ref as string);
      if (from?.type === 'attack-pattern' && to) replacedBy.set(externalId(from) as string, externalId(to) as string);
    }
    // A tag reaches its technique and, when that is revoked, every replacement down the chain.
    const reached = (id: string): string[] => {
      const chain = [id];
      for (let next = replacedBy.get(id); next && !chain.includes(next); next = replacedBy.get(next)) chain.push(next);
      return chain;
    };
    const tagged = new Map<string, Set<string>>();
    for (const file of await readFolder(sigmaFolder, /\.ya?ml$/)) {
      const id = /^id:\s*(\S+)/m.exec(file.text)?.[1];
      for (const [, t] of file.text.matchAll(/^\s*-\s*attack\.(t\d{4}(?:\.\d{3})?)\b/gim)) {
        const technique = (t as string).toUpperCase();
        for (const target of reached(technique)) {
          if (id) tagged.set(target, (tagged.get(target) ?? new Set()).add(id));
        }
      }
    }
    for (const technique of ['T1550.001', 'T1059.001', 'T1003.001', 'T1566.001', 'T1021.002', 'T1218.011', 'T1647']) {
      const { data, errors } = await api.gql(
        'query($id: ID!) { technique(id: $id) { sigmaRules(first: 500) { totalCount nodes { id } } } }',
        { id: technique },
      );
      assert.equal(errors, undefined);
      const rules = (data as { technique: { sigmaRules: { totalCount: number; nodes: { id: string }[] } } }).technique
        .sigmaRules;
      assert.deepEqual(rules.nodes.map((n) => n.id).sort(), [...(tagged.get(technique) ?? [])].sort(), technique);
      assert.equal(rules.totalCount, tagged.get(technique)?.size ?? 0);
    }
  });

  it('returns the atomic tests of a technique as its YAML lists them', async () => {
    for (const technique of ['T1003.001', 'T1059.001', 'T1218.011']) {
      const file = path.join(atomics, technique, `${technique}.yaml`);
      const doc = yaml.load(readFileSync(file, 'utf8')) as {
        atomic_tests: { auto_generated_guid: string; name: string }[];
      };
      const { data } = await api.gql('query($id: ID!) { technique(id: $id) { atomicTests { guid name } } }', {
        id: technique,
      });
      assert.deepEqual(
        (data as { technique: { atomicTests: { guid: string; name: string }[] } }).technique.atomicTests,
        doc.atomic_tests.map((t) => ({ guid: t.auto_generated_guid, name: t.name })),
        technique,
      );
    }
  });

  it('answers rules and tests of a page of techniques in a number of queries that does not grow with the page', async () => {
    const queriesFor = (first: number) =>
      countQueries(graph, async () => {
        const { errors } = await api.gql(
          `query($first: Int) { techniques(first: $first) { nodes { id
          sigmaRules(first: 3) { totalCount nodes { id techniques { id } tactics { id } } }
          atomicTests { guid technique { id } } } } }`,
          { first },
        );
        assert.equal(errors, undefined);
      });
    // The graph version (response cache), the page with the rules and tests of its techniques (one statement), and
    // the rules' techniques and tactics with the tests' techniques (one statement).
    assert.equal(await queriesFor(5), 3);
    assert.equal(await queriesFor(50), 3);
  });

  it('filters rules the same way on a technique and at the top level', async () => {
    const filter = '{minLevel: HIGH, status: [STABLE, TEST], product: "windows"}';
    const { data } = await api.gql(`{
      technique(id: "T1059.001") { sigmaRules(filter: ${filter}, first: 500) { nodes { id level status } } }
      sigmaRules(filter: {technique: "T1059.001", minLevel: HIGH, status: [STABLE, TEST], product: "windows"}, first: 500) {
        nodes { id }
      }
    }`);
    const result = data as {
      technique: { sigmaRules: { nodes: { id: string; level: string; status: string }[] } };
      sigmaRules: { nodes: { id: string }[] };
    };
    const onTechnique = result.technique.sigmaRules.nodes;
    assert.ok(onTechnique.length > 0);
    assert.ok(
      onTechnique.every((r) => ['HIGH', 'CRITICAL'].includes(r.level) && ['STABLE', 'TEST'].includes(r.status)),
    );
    assert.deepEqual(onTechnique.map((r) => r.id).sort(), result.sigmaRules.nodes.map((r) => r.id).sort());
  });
});
