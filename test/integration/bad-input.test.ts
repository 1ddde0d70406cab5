// Bad input for every source on a real Neo4j: each gives its documented error (file, position, reason) or warning,
// and the graph stays as it was; with --strict, a rule file that would be skipped fails the run and writes nothing.
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SourceError } from '../../src/errors.js';
import type { Graph } from '../../src/graph/driver.js';
import { type SeedRequest, seed } from '../../src/seed/pipeline.js';
import { fingerprint, resetGraph, testGraph } from '../helpers/graph.js';
import { fixture } from '../helpers/paths.js';

type Source = 'attack' | 'd3fend' | 'sigma' | 'atomic';

/**
 * One bad input: how to make it (a file for ATT&CK and D3FEND, a rule folder for Sigma and Atomic, under `dir`) and
 * its documented outcome: the run fails with a message matching `fails`; or it loads the rest and reports the
 * matching `warns`; or (rule folders) it skips the file with the matching reason, and `--strict` fails instead.
 */
interface BadInput {
  source: Source;
  name: string;
  make(dir: string): string;
  outcome: { fails: RegExp } | { warns: RegExp } | { skips: RegExp };
}

const MINI = fixture('attack', 'mini-enterprise.json');
const ONTOLOGY = fixture('d3fend', 'mini.ttl');
const miniText = () => readFileSync(MINI, 'utf8');
const mini = () => JSON.parse(miniText()) as { objects: Record<string, unknown>[] };
const write = (file: string, content: string | Buffer) => {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, content);
  return file;
};
/** A JSON bundle made from the mini bundle by `change`. */
const bundle = (dir: string, name: string, change: (b: { objects: Record<string, unknown>[] }) => unknown) =>
  write(path.join(dir, name), JSON.stringify(change(mini()), null, 1));
/** A file bigger than any source may be, without writing its bytes (sparse). */
const huge = (file: string) => {
  write(file, '');
  truncateSync(file, 600 * 1024 * 1024);
  return file;
};
const latin1 = (text: string, replace: string) => {
  const at = text.indexOf(replace);
  return Buffer.concat([
    Buffer.from(text.slice(0, at)),
    Buffer.from([0xe9]),
    Buffer.from(text.slice(at + replace.length)),
  ]);
};
const utf16 = (text: string) => Buffer.from(`\ufeff${text}`, 'utf16le');
const garbage = () => Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256));

/** A copy of the good rule folder with one more file in it. */
const ruleFolder = (good: string) => (dir: string, file: string, content: string | Buffer) => {
  const folder = path.join(dir, 'rules');
  cpSync(good, folder, { recursive: true });
  write(path.join(folder, file), content);
  return folder;
};

describe('bad input files', () => {
  let graph: Graph;
  let work: string;
  let goodSigma: string;
  let goodAtomic: string;
  let baseline: SeedRequest;
  let initial: Awaited<ReturnType<typeof fingerprint>>;

  before(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'coverage-graph-bad-input-'));
    // Good rule folders: the fixtures without their deliberately broken files.
    goodSigma = path.join(work, 'good-sigma');
    cpSync(fixture('sigma', 'rules'), path.join(goodSigma, 'rules'), { recursive: true });
    goodAtomic = path.join(work, 'good-atomic');
    // (The fixture's T1003 file is broken on purpose, as T9997 and T9998 are.)
    cpSync(fixture('atomic', 'T1550.001'), path.join(goodAtomic, 'T1550.001'), { recursive: true });
    baseline = {
      attack: [MINI],
      d3fend: [ONTOLOGY],
      sigma: [{ name: 'sigmahq', location: goodSigma }],
      atomic: [goodAtomic],
    };
    graph = testGraph();
    await resetGraph(graph);
    await seed(graph, baseline, { batchSize: 5000 });
    initial = await fingerprint(graph);
  });
  after(async () => {
    await graph?.close();
    rmSync(work, { recursive: true, force: true });
  });

  const sigmaRule = () =>
    readFileSync(fixture('sigma', 'rules', 'cloud', 'aws_sts_getsessiontoken_misuse.yml'), 'utf8');
  const atomicFile = () => readFileSync(fixture('atomic', 'T1550.001', 'T1550.001.yaml'), 'utf8');
  const sigma = (file: string, content: () => string | Buffer) => (dir: string) =>
    ruleFolder(goodSigma)(dir, path.join('rules', file), content());
  const atomic = (file: string, content: () => string | Buffer) => (dir: string) =>
    ruleFolder(goodAtomic)(dir, file, content());

  const cases: BadInput[] = [
    // ATT&CK: the hand-made fixtures, each a different kind of broken bundle.
    ...(
      [
        ['truncated.json', /: line \d+, column \d+: not valid JSON: the text ends too early \(truncated\?\)/],
        ['missing-name.json', /\(objects\[\d+\]\): missing required field "name"/],
        ['not-a-bundle.json', /: top level: not a STIX bundle/],
        ['objects-not-array.json', /: top level: not a STIX bundle: "objects" is missing or not an array/],
        ['relationship-without-source.json', /\(objects\[18\]\): missing required field "source_ref"/],
        ['wrong-type-kill-chain.json', /\(objects\[4\]\): field "kill_chain_phases" must be a list of objects, got 5/],
        ['wrong-type-reference.json', /\(objects\[8\]\): /],
        ['wrong-type-platforms.json', /\(objects\[9\]\): /],
      ] as const
    ).map(([name, fails]) => ({
      source: 'attack' as const,
      name,
      make: () => fixture('attack', name),
      outcome: { fails },
    })),
    {
      source: 'attack',
      name: 'no such file',
      make: (d) => path.join(d, 'nope.json'),
      outcome: { fails: /: file: no such file$/ },
    },
    { source: 'attack', name: 'a folder', make: (d) => d, outcome: { fails: /: file: is a folder, expected a file$/ } },
    {
      source: 'attack',
      name: 'UTF-16 encoded',
      make: (d) => write(path.join(d, 'utf16.json'), utf16(miniText())),
      outcome: { fails: /: byte 0: not UTF-8: the file starts with a UTF-16 LE byte order mark/ },
    },
    {
      source: 'attack',
      name: 'a Latin-1 byte in a name',
      make: (d) => write(path.join(d, 'latin1.json'), latin1(miniText(), 'Use Alternate Authentication Material')),
      outcome: { fails: /: line \d+, byte \d+: not valid UTF-8 \(byte 0xE9/ },
    },
    {
      source: 'attack',
      name: 'an empty file',
      make: (d) => write(path.join(d, 'empty.json'), ''),
      outcome: { fails: /not valid JSON/ },
    },
    {
      source: 'attack',
      name: 'binary garbage',
      make: (d) => write(path.join(d, 'garbage.json'), garbage()),
      outcome: { fails: /not (valid )?UTF-8/ },
    },
    {
      source: 'attack',
      name: 'a JSON array at the top',
      make: (d) => bundle(d, 'array.json', (b) => b.objects),
      outcome: { fails: /: top level: not a STIX bundle/ },
    },
    {
      source: 'attack',
      name: 'a duplicate id',
      make: (d) =>
        bundle(d, 'duplicate.json', (b) => {
          const technique = b.objects.find((o) => o.type === 'attack-pattern') as Record<string, unknown>;
          return { ...b, objects: [...b.objects, { ...technique, name: 'Another name' }] };
        }),
      outcome: { fails: /\(objects\[\d+\]\): duplicate id: objects\[\d+\] has it too/ },
    },
    {
      source: 'attack',
      name: 'an object without an id',
      make: (d) =>
        bundle(d, 'no-id.json', (b) => ({
          ...b,
          objects: b.objects.map((o) => (o.type === 'intrusion-set' ? { ...o, id: undefined } : o)),
        })),
      outcome: { fails: /missing or malformed "id"/ },
    },
    {
      source: 'attack',
      name: 'an id of another type',
      make: (d) =>
        bundle(d, 'wrong-id.json', (b) => ({
          ...b,
          objects: b.objects.map((o) =>
            o.type === 'intrusion-set' ? { ...o, id: String(o.id).replace('intrusion-set', 'malware') } : o,
          ),
        })),
      outcome: { fails: /missing or malformed "id" \(expected "intrusion-set--<uuid>"\)/ },
    },
    {
      source: 'attack',
      name: 'a wrong type for a name',
      make: (d) =>
        bundle(d, 'name-number.json', (b) => ({
          ...b,
          objects: b.objects.map((o) => (o.type === 'attack-pattern' ? { ...o, name: 42 } : o)),
        })),
      outcome: { fails: /\(objects\[\d+\]\): .*"name"/ },
    },
    {
      source: 'attack',
      name: 'a file over the size limit',
      make: (d) => huge(path.join(d, 'huge.json')),
      outcome: { fails: /: file: too large: 629145600 bytes, at most \d+/ },
    },
    {
      source: 'attack',
      name: 'a relationship to an object the bundle lacks',
      make: () => MINI,
      outcome: { warns: /dangling reference/ },
    },
    // D3FEND
    ...(
      [
        ['not-turtle.ttl', /: line 1: not valid Turtle: Unexpected literal$/],
        ['truncated.ttl', /: line \d+: not valid Turtle: /],
        ['cut-at-statement.ttl', /: line \d+: 3 classes are used but never defined .*is the file truncated\?$/],
        ['technique-without-label.ttl', /\(d3f:DecoyUserCredential\): defensive technique D3-DUC has no rdfs:label$/],
        ['d3f-prefix-without-label.ttl', /\(d3f:DecoyUserCredential\): defensive technique D3-DUC has no rdfs:label$/],
        ['other-ontology.ttl', /: whole file: no D3FEND defensive techniques or tactics found/],
      ] as const
    ).map(([name, fails]) => ({
      source: 'd3fend' as const,
      name,
      make: () => fixture('d3fend', name),
      outcome: { fails },
    })),
    {
      source: 'd3fend',
      name: 'no such file',
      make: (d) => path.join(d, 'nope.ttl'),
      outcome: { fails: /: file: no such file$/ },
    },
    {
      source: 'd3fend',
      name: 'UTF-16 encoded',
      make: (d) => write(path.join(d, 'utf16.ttl'), utf16(readFileSync(ONTOLOGY, 'utf8'))),
      outcome: { fails: /: byte 0: not UTF-8: the file starts with a UTF-16 LE byte order mark/ },
    },
    {
      source: 'd3fend',
      name: 'a Latin-1 byte in a label',
      make: (d) => write(path.join(d, 'latin1.ttl'), latin1(readFileSync(ONTOLOGY, 'utf8'), 'Decoy User Credential')),
      outcome: { fails: /: line \d+, byte \d+: not valid UTF-8 \(byte 0xE9/ },
    },
    {
      source: 'd3fend',
      name: 'an empty file',
      make: (d) => write(path.join(d, 'empty.ttl'), ''),
      outcome: { fails: /: whole file: no D3FEND defensive techniques or tactics found/ },
    },
    {
      source: 'd3fend',
      name: 'binary garbage',
      make: (d) => write(path.join(d, 'garbage.ttl'), garbage()),
      outcome: { fails: /not (valid )?UTF-8/ },
    },
    {
      source: 'd3fend',
      name: 'a file over the size limit',
      make: (d) => huge(path.join(d, 'huge.ttl')),
      outcome: { fails: /: file: too large: 629145600 bytes/ },
    },
    // Sigma: a bad rule is skipped with its reason; the other rules load.
    ...['alias_bomb.yml', 'alias_expansion.yml', 'deep_nesting.yml', 'no_id.yml', 'no_title.yml', 'not_yaml.yml'].map(
      (name) => ({
        source: 'sigma' as const,
        name,
        make: sigma(name, () => readFileSync(fixture('sigma', 'z-broken', name))),
        outcome: {
          skips: {
            'alias_bomb.yml': /: whole file: 156 YAML aliases, at most 64 \(an alias bomb\?\)/,
            'alias_expansion.yml': /: whole file: expands to more than 100000 values \(an alias bomb\?\)/,
            'deep_nesting.yml': /: line 3, column 103: not valid YAML: nesting exceeded maxDepth \(100\)/,
            'no_id.yml': /: whole file: no id/,
            'no_title.yml': /: whole file: no title/,
            'not_yaml.yml': /: line 4, column 1: not valid YAML: missed comma between flow collection entries/,
          }[name] as RegExp,
        },
      }),
    ),
    {
      source: 'sigma',
      name: 'a duplicate rule id',
      make: sigma('zz_duplicate_id.yml', () => readFileSync(fixture('sigma', 'z-broken', 'zz_duplicate_id.yml'))),
      outcome: { skips: /: line 2: id b45ab1d2-712f-4f01-a751-df3826969807 is already used by/ },
    },
    {
      source: 'sigma',
      name: 'UTF-16 encoded',
      make: sigma('utf16.yml', () => utf16(sigmaRule())),
      outcome: { skips: /: byte 0: not UTF-8: the file starts with a UTF-16 LE byte order mark/ },
    },
    {
      source: 'sigma',
      name: 'a Latin-1 byte in the title',
      make: sigma('latin1.yml', () =>
        latin1(sigmaRule().replace(/^id: .*$/m, 'id: 11111111-2222-4333-8444-555555555555'), 'Misuse'),
      ),
      outcome: { skips: /: line \d+, byte \d+: not valid UTF-8 \(byte 0xE9/ },
    },
    {
      source: 'sigma',
      name: 'a file over 1 MB',
      make: sigma('huge.yml', () => `${sigmaRule()}\n# ${'x'.repeat(1024 * 1024)}\n`),
      outcome: { skips: /: whole file: too large: \d+ bytes, at most 1048576/ },
    },
    {
      source: 'sigma',
      name: 'an empty file',
      make: sigma('empty.yml', () => ''),
      outcome: { skips: /: whole file: empty: no YAML document/ },
    },
    {
      source: 'sigma',
      name: 'a list instead of a rule',
      make: sigma('list.yml', () => '- title: a\n- title: b\n'),
      outcome: { skips: /: whole file: not a Sigma rule: a document is not a mapping/ },
    },
    {
      source: 'sigma',
      name: 'binary garbage',
      make: sigma('garbage.yml', garbage),
      outcome: { skips: /not (valid )?UTF-8/ },
    },
    // Atomic Red Team: a bad technique file is skipped whole.
    {
      source: 'atomic',
      name: 'a test without auto_generated_guid',
      make: atomic('T9998/T9998.yaml', () => readFileSync(fixture('atomic', 'T9998', 'T9998.yaml'))),
      outcome: { skips: /: atomic_tests\[0\]: no auto_generated_guid/ },
    },
    {
      source: 'atomic',
      name: 'a guid used by another test',
      make: atomic('T9997/T9997.yaml', () => readFileSync(fixture('atomic', 'T9997', 'T9997.yaml'))),
      outcome: { skips: /: test "A copied test": guid 67e5d354-a4be-44ab-9c45-2a6e5ad6b2b5 is already used in/ },
    },
    {
      source: 'atomic',
      name: 'UTF-16 encoded',
      make: atomic('T9001/T9001.yaml', () => utf16(atomicFile())),
      outcome: { skips: /: byte 0: not UTF-8: the file starts with a UTF-16 LE byte order mark/ },
    },
    {
      source: 'atomic',
      name: 'a Latin-1 byte',
      make: atomic('T9002/T9002.yaml', () => latin1(atomicFile(), 'T1550.001')),
      outcome: { skips: /: line \d+, byte \d+: not valid UTF-8 \(byte 0xE9/ },
    },
    {
      source: 'atomic',
      name: 'not YAML',
      make: atomic('T9003/T9003.yaml', () => 'attack_technique: [T9003\natomic_tests: {\n'),
      outcome: { skips: /: line \d+, column \d+: not valid YAML: / },
    },
    {
      source: 'atomic',
      name: 'atomic_tests that is not a list',
      make: atomic('T9004/T9004.yaml', () => 'attack_technique: T9004\ndisplay_name: x\natomic_tests: 42\n'),
      outcome: { skips: /atomic_tests/ },
    },
    {
      source: 'atomic',
      name: 'no attack_technique',
      make: atomic('T9005/T9005.yaml', () => atomicFile().replace(/^attack_technique:.*$/m, '')),
      outcome: { skips: /attack_technique/ },
    },
    {
      source: 'atomic',
      name: 'a list instead of a technique file',
      make: atomic('T9006/T9006.yaml', () => '- a\n- b\n'),
      outcome: { skips: /: whole file: not an Atomic Red Team technique file: expected a mapping/ },
    },
    {
      source: 'atomic',
      name: 'an alias bomb',
      make: atomic('T9007/T9007.yaml', () => readFileSync(fixture('sigma', 'z-broken', 'alias_bomb.yml'))),
      outcome: { skips: /: whole file: 156 YAML aliases, at most 64 \(an alias bomb\?\)/ },
    },
    {
      source: 'atomic',
      name: 'a file over 1 MB',
      make: atomic('T9008/T9008.yaml', () => `${atomicFile()}\n# ${'x'.repeat(1024 * 1024)}\n`),
      outcome: { skips: /: whole file: too large: \d+ bytes, at most 1048576/ },
    },
    {
      source: 'atomic',
      name: 'binary garbage',
      make: atomic('T9009/T9009.yaml', garbage),
      outcome: { skips: /not (valid )?UTF-8/ },
    },
  ];

  it('has at least 40 cases, over every source', () => {
    assert.ok(cases.length >= 40, `${cases.length} cases`);
    for (const source of ['attack', 'd3fend', 'sigma', 'atomic']) {
      assert.ok(
        cases.some((c) => c.source === source),
        source,
      );
    }
  });

  /** The baseline request with one source's location replaced by the bad one. */
  const withBad = (source: Source, location: string): SeedRequest => ({
    ...baseline,
    ...(source === 'attack' ? { attack: [location] } : {}),
    ...(source === 'd3fend' ? { d3fend: [location] } : {}),
    ...(source === 'sigma' ? { sigma: [{ name: 'sigmahq', location }] } : {}),
    ...(source === 'atomic' ? { atomic: [location] } : {}),
  });
  const failsWith = async (request: SeedRequest, pattern: RegExp, location: string, strict: boolean) => {
    let message = '';
    await assert.rejects(seed(graph, request, { batchSize: 5000, strict }), (error: unknown) => {
      assert.ok(error instanceof SourceError, String(error));
      assert.match(error.message, pattern);
      message = error.message;
      // The message names the file (rule folders: its path inside the folder, under the folder's location).
      assert.ok(error.message.startsWith(location) || !path.isAbsolute(error.file), error.message);
      return true;
    });
    assert.deepEqual(await fingerprint(graph), initial, 'the graph changed');
    return message.slice(message.indexOf(path.basename(location)));
  };

  for (const { source, name, make, outcome } of cases) {
    it(`${source}: ${name}`, async (t) => {
      const dir = mkdtempSync(path.join(work, 'case-'));
      const location = make(dir);
      const request = withBad(source, location);
      if ('fails' in outcome) {
        t.diagnostic(await failsWith(request, outcome.fails, location, false));
        return;
      }
      if ('skips' in outcome) {
        // --strict: the file that would be skipped fails the run, and nothing at all is written.
        await failsWith(
          request,
          new RegExp(`${outcome.skips.source}.*\\(--strict: 1 file would be skipped\\)`),
          location,
          true,
        );
      }
      const result = await seed(graph, request, { batchSize: 5000 });
      const warnings = result.sources.flatMap((s) => s.warnings);
      const pattern = 'skips' in outcome ? outcome.skips : outcome.warns;
      const matching = warnings.filter((w) => pattern.test(`${w.file}: ${w.where}: ${w.reason}`));
      assert.ok(matching.length > 0, JSON.stringify(warnings.map((w) => `${w.file}: ${w.where}: ${w.reason}`)));
      if ('skips' in outcome) {
        assert.ok(
          matching.every((w) => w.skipped),
          'the file is skipped whole',
        );
        // Every good rule or test of the folder loaded all the same.
        const label = source === 'sigma' ? 'SigmaRule' : 'AtomicTest';
        const [row] = await graph.read(`MATCH (n:${label}) RETURN count(n) AS n`);
        assert.equal(row?.n, initial.counts[label]);
      }
      // The rest loaded as before: back to the baseline, the graph is the same as at the start.
      await seed(graph, baseline, { batchSize: 5000 });
      assert.deepEqual(await fingerprint(graph), initial);
    });
  }
});
