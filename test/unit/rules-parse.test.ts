// Unit tests of the Sigma and Atomic Red Team parsers on hand-made folders, including every kind of bad file.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ATOMIC_FILE, parseAtomics } from '../../src/seed/atomic/parse.js';
import { readFolder } from '../../src/seed/folder.js';
import { parseSigmaSource } from '../../src/seed/sigma/parse.js';
import { fixture } from '../helpers/paths.js';

describe('parseSigmaSource on a hand-made folder', async () => {
  const folder = fixture('sigma');
  const records = parseSigmaSource('sigmahq', folder, await readFolder(folder, /\.ya?ml$/));
  const rule = (id: string) => records.nodes.find((n) => n.props.id === id)?.props;

  it('reads every field a user filters or reads by', () => {
    const { yaml, description, ...props } = rule('b45ab1d2-712f-4f01-a751-df3826969807') ?? {};
    assert.match(String(yaml), /^title: AWS STS GetSessionToken Misuse\n/);
    assert.equal(description, 'Identifies the suspicious use of GetSessionToken.');
    assert.deepEqual(props, {
      uid: 'sigmahq:b45ab1d2-712f-4f01-a751-df3826969807',
      id: 'b45ab1d2-712f-4f01-a751-df3826969807',
      source: 'sigmahq',
      path: 'rules/cloud/aws_sts_getsessiontoken_misuse.yml',
      folder: 'rules',
      url: 'https://github.com/SigmaHQ/sigma/blob/master/rules/cloud/aws_sts_getsessiontoken_misuse.yml',
      title: 'AWS STS GetSessionToken Misuse',
      status: 'test',
      level: 'low',
      levelRank: 1,
      author: 'Austin Songer @austinsonger',
      date: '2021-07-24',
      modified: '2022-10-09',
      product: 'aws',
      category: null,
      service: 'cloudtrail',
      products: ['aws'],
      categories: [''],
      services: ['cloudtrail'],
      tags: [
        'attack.lateral_movement',
        'attack.privilege-escalation',
        'attack.t1548',
        'attack.T1550.001',
        'attack.t1527',
        'attack.t9999',
        'attack.g0007',
      ],
      references: ['https://github.com/elastic/detection-rules/pull/1213'],
      falsepositives: ['Web Application Firewall'],
      relatedIds: ['0000aaaa-0000-4000-8000-000000000001'],
      relatedTypes: ['derived'],
      techniqueIds: ['T1548', 'T1550.001', 'T1527', 'T9999'],
      tacticShortnames: ['lateral-movement', 'privilege-escalation'],
    });
  });

  it('reads a rule spread over several YAML documents, with its id in the second', () => {
    const multi = rule('4a3a2b96-d7fc-4cb9-80e4-4a545fe95f46');
    assert.deepEqual([multi?.title, multi?.level, multi?.techniqueIds], ['Remote Service Creation', 'high', ['T1550']]);
    // Each document's log source is kept; the first is the rule's.
    assert.deepEqual(
      [multi?.product, multi?.service, multi?.products, multi?.categories, multi?.services],
      ['windows', 'system', ['windows', 'windows'], ['', 'process_creation'], ['system', '']],
    );
  });

  it('skips every bad file with its path, position and reason, and loads the rest', () => {
    assert.deepEqual(records.nodes.map((n) => n.props.path).sort(), [
      'deprecated/old_rule.yml',
      'rules/cloud/aws_sts_getsessiontoken_misuse.yml',
      'rules/cloud/multi_document_rule.yml',
    ]);
    const broken = (name: string) => `${folder}/z-broken/${name}`;
    assert.deepEqual(records.warnings, [
      {
        file: broken('alias_bomb.yml'),
        where: 'whole file',
        reason: '156 YAML aliases, at most 64 (an alias bomb?)',
        skipped: true,
      },
      {
        file: broken('alias_expansion.yml'),
        where: 'whole file',
        reason: 'expands to more than 100000 values (an alias bomb?)',
        skipped: true,
      },
      {
        file: broken('deep_nesting.yml'),
        where: 'line 3, column 103',
        reason: 'not valid YAML: nesting exceeded maxDepth (100)',
        skipped: true,
      },
      { file: broken('no_id.yml'), where: 'whole file', reason: 'no id', skipped: true },
      { file: broken('no_title.yml'), where: 'whole file', reason: 'no title', skipped: true },
      {
        file: broken('not_yaml.yml'),
        where: 'line 4, column 1',
        reason: 'not valid YAML: missed comma between flow collection entries',
        skipped: true,
      },
      {
        file: broken('zz_duplicate_id.yml'),
        where: 'line 2',
        reason:
          'id b45ab1d2-712f-4f01-a751-df3826969807 is already used by rules/cloud/aws_sts_getsessiontoken_misuse.yml',
        skipped: true,
      },
    ]);
  });

  it('skips an oversized file', () => {
    const big = { path: 'rules/huge.yml', text: `title: Huge\nid: x\ndescription: "${'a'.repeat(1024 * 1024)}"\n` };
    const result = parseSigmaSource('mine', 'mine', [big]);
    assert.deepEqual(
      result.warnings.map((w) => [w.where, w.reason]),
      [['whole file', `too large: ${big.text.length} bytes, at most 1048576`]],
    );
    assert.equal(result.nodes.length, 0);
  });

  it("gives an organisation's own source no upstream url, and its own scope", () => {
    const own = parseSigmaSource('acme', 'x', [{ path: 'r.yml', text: 'title: Ours\nid: 1\n' }]);
    assert.equal(own.scope, 'sigma:acme');
    assert.deepEqual([own.nodes[0]?.key, own.nodes[0]?.props.url, own.nodes[0]?.props.folder], ['acme:1', null, '']);
  });
});

describe('parseAtomics on a hand-made folder', async () => {
  const folder = fixture('atomic');
  const records = parseAtomics(folder, await readFolder(folder, ATOMIC_FILE));

  it('makes one test per entry, numbered in file order, with its executor and arguments', () => {
    assert.deepEqual(
      records.nodes.map((n) => [
        n.key,
        n.props.number,
        n.props.techniqueId,
        n.props.executor,
        n.props.elevationRequired,
      ]),
      [
        ['67e5d354-a4be-44ab-9c45-2a6e5ad6b2b5', 1, 'T1550.001', 'powershell', false],
        ['1e2a4f7c-0000-4000-8000-000000000002', 2, 'T1550.001', 'manual', true],
      ],
    );
    assert.deepEqual(JSON.parse(String(records.nodes[0]?.props.inputArguments)), {
      storage_account: { description: 'Storage account name', type: 'string', default: 'storage' },
    });
  });

  it('skips, whole, a file that is not YAML, one repeating a guid, and one with a test without a guid', () => {
    assert.deepEqual(records.warnings, [
      {
        file: `${folder}/T1003/T1003.yaml`,
        where: 'line 4, column 1',
        reason: 'not valid YAML: unexpected end of the stream within a flow collection',
        skipped: true,
      },
      {
        file: `${folder}/T9997/T9997.yaml`,
        where: 'test "A copied test"',
        reason: 'guid 67e5d354-a4be-44ab-9c45-2a6e5ad6b2b5 is already used in T1550.001/T1550.001.yaml',
        skipped: true,
      },
      { file: `${folder}/T9998/T9998.yaml`, where: 'atomic_tests[0]', reason: 'no auto_generated_guid', skipped: true },
    ]);
    // The file is skipped whole: its first test, with a new guid, is not loaded either.
    assert.ok(!records.nodes.some((n) => n.key === '2b3c4d5e-0000-4000-8000-000000000003'));
  });
});
