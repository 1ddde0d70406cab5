// Unit tests of the ATT&CK STIX parser on small hand-made bundles, including broken ones.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { SourceError } from '../../src/errors.js';
import { parseAttackBundle } from '../../src/seed/attack/parse.js';
import { sourceFailure } from '../helpers/errors.js';
import { fixture } from '../helpers/paths.js';

const parse = (name: string) => parseAttackBundle(readFileSync(fixture('attack', name)), name);

const SUB = 'attack-pattern--00000000-0000-4000-8000-00000000c002';

describe('parseAttackBundle on a small enterprise bundle', () => {
  const records = parse('mini-enterprise.json');

  it('names the scope after the matrix', () => {
    assert.equal(records.scope, 'attack:enterprise-attack');
    assert.equal(records.dataset.source, 'attack');
    assert.match(records.dataset.sha256, /^[0-9a-f]{64}$/);
  });

  it('makes one node per ATT&CK object, labelled by type', () => {
    const labels = records.nodes.map((n) => `${n.label} ${n.props.id}`).sort();
    assert.deepEqual(labels, [
      'Analytic AN0500',
      'Campaign C0024',
      'DataComponent DC0006',
      'DataSource DS0006',
      'DetectionStrategy DET0100',
      'Group G0007',
      'Mitigation M1047',
      'Mitigation T1086',
      'Software S0002',
      'Software S0046',
      'Tactic TA0005',
      'Tactic TA0008',
      'Technique T1527',
      'Technique T1550',
      'Technique T1550.001',
    ]);
  });

  it('reads a sub-technique with absent flags as false', () => {
    const node = records.nodes.find((n) => n.key === SUB);
    assert.deepEqual(node?.props, {
      stixId: SUB,
      id: 'T1550.001',
      name: 'Application Access Token',
      description: 'Adversaries may use stolen application access tokens.',
      url: 'https://attack.mitre.org/techniques/T1550/001',
      version: null,
      created: null,
      modified: '2025-10-24T17:48:19.059Z',
      revoked: false,
      deprecated: false,
      platforms: ['SaaS', 'Containers'],
      isSubtechnique: true,
      tacticShortnames: ['lateral-movement', 'defense-evasion'],
      detection: null,
      dataSources: [],
      permissionsRequired: [],
      defenseBypassed: [],
      contributors: [],
    });
  });

  it('orders tactics as the matrix lists them', () => {
    const tactics = records.nodes.filter((n) => n.label === 'Tactic').map((n) => [n.props.id, n.props.order]);
    assert.deepEqual(tactics, [
      ['TA0008', 2],
      ['TA0005', 1],
    ]);
  });

  it('turns relationships and kill chain phases into edges, and reports the dangling one', () => {
    const edges = records.edges.map((e) => `${e.type} ${e.from.key.slice(-4)}->${e.to.key.slice(-4)}`).sort();
    assert.deepEqual(edges, [
      'ATTRIBUTED_TO a101->e001',
      'DETECTS a401->c002',
      'HAS_ANALYTIC a401->a501',
      'IN_TACTIC c001->b001',
      'IN_TACTIC c001->b002',
      'IN_TACTIC c002->b001',
      'IN_TACTIC c002->b002',
      'LOG_SOURCE a501->a301',
      'MITIGATES d001->c002',
      'PART_OF a301->a201',
      'REVOKED_BY c003->c002',
      'SUBTECHNIQUE_OF c002->c001',
      'USES a101->c002',
      'USES e001->c002',
      'USES e001->f002',
      'USES f001->c002',
    ]);
    assert.deepEqual(records.warnings, [
      {
        file: 'mini-enterprise.json',
        where: 'relationship--00000000-0000-4000-8000-000000001010',
        reason: 'dangling reference to attack-pattern--00000000-0000-4000-8000-0000000dead0 (uses)',
      },
    ]);
  });

  it('drops a derived reference to an object of another type, with a warning', () => {
    // The detection strategy's analytic ref points at the data component instead: no HAS_ANALYTIC edge to it.
    const bundle = JSON.parse(readFileSync(fixture('attack', 'mini-enterprise.json'), 'utf8'));
    const strategy = bundle.objects.find((o: { type: string }) => o.type === 'x-mitre-detection-strategy');
    const component = bundle.objects.find((o: { type: string }) => o.type === 'x-mitre-data-component');
    strategy.x_mitre_analytic_refs = [component.id];
    const retyped = parseAttackBundle(Buffer.from(JSON.stringify(bundle)), 'retyped.json');
    assert.equal(retyped.edges.filter((e) => e.type === 'HAS_ANALYTIC').length, 0);
    assert.deepEqual(
      retyped.warnings.filter((w) => w.where === strategy.id),
      [
        {
          file: 'retyped.json',
          where: strategy.id,
          reason: `reference to ${component.id} (HAS_ANALYTIC): expected Analytic, found x-mitre-data-component`,
        },
      ],
    );
  });

  it('keeps the procedure text on uses edges', () => {
    const edge = records.edges.find((e) => e.type === 'USES' && e.from.key.endsWith('e001') && e.to.key === SUB);
    assert.equal(
      edge?.props.description,
      'APT28 has used several malicious applications to steal OAuth access tokens.',
    );
  });
});

describe('parseAttackBundle on bad input', () => {
  const failure = (name: string) => sourceFailure(() => parse(name), name);

  it('a truncated file: the line and column where it ends', () => {
    const text = readFileSync(fixture('attack', 'truncated.json'), 'utf8');
    const lines = text.split('\n');
    const error = failure('truncated.json');
    assert.equal(error.position, `line ${lines.length}, column ${(lines.at(-1) as string).length + 1}`);
    assert.match(error.reason, /^not valid JSON: the text ends too early \(truncated\?\)/);
  });

  it('JSON that is not a bundle', () => {
    assert.equal(
      failure('not-a-bundle.json').message,
      'not-a-bundle.json: top level: not a STIX bundle: expected a JSON object with "type": "bundle"',
    );
    assert.equal(
      failure('objects-not-array.json').message,
      'objects-not-array.json: top level: not a STIX bundle: "objects" is missing or not an array',
    );
  });

  it('an object missing a required field: its id and index', () => {
    assert.equal(
      failure('missing-name.json').message,
      `missing-name.json: ${SUB} (objects[4]): missing required field "name"`,
    );
    assert.equal(
      failure('relationship-without-source.json').message,
      'relationship-without-source.json: relationship--00000000-0000-4000-8000-000000001003 (objects[18]): missing required field "source_ref"',
    );
  });

  it('a field of the wrong type: the object, the field, what was expected and what was found', () => {
    assert.equal(
      failure('wrong-type-kill-chain.json').message,
      `wrong-type-kill-chain.json: ${SUB} (objects[4]): field "kill_chain_phases" must be a list of objects, got 5`,
    );
    assert.equal(
      failure('wrong-type-reference.json').message,
      'wrong-type-reference.json: intrusion-set--00000000-0000-4000-8000-00000000e001 (objects[8]): ' +
        'field "external_references" must be a list of objects, got [null]',
    );
    assert.equal(
      failure('wrong-type-platforms.json').message,
      'wrong-type-platforms.json: malware--00000000-0000-4000-8000-00000000f001 (objects[9]): ' +
        'field "x_mitre_platforms" must be a list of strings, got "Windows"',
    );
  });

  it('a syntax error in the middle: its line and column', () => {
    const text = '{\n  "type": "bundle",\n  "objects": [ {"type": "x"} }\n}';
    assert.throws(
      () => parseAttackBundle(text, 'broken.json'),
      (error: SourceError) => {
        assert.equal(error.position, 'line 3, column 30');
        return true;
      },
    );
  });
});

describe('parseAttackBundle on a STIX 2.1 bundle (attack-stix-data)', () => {
  it('reads the same objects, and the release from the collection object', () => {
    const v20 = parse('mini-enterprise.json');
    const v21 = parse('mini-enterprise-stix21.json');
    assert.equal(v21.dataset.version, '18.1');
    assert.equal(v20.dataset.version, null);
    assert.deepEqual(v21.nodes, v20.nodes);
    assert.deepEqual(v21.edges, v20.edges);
  });
});
