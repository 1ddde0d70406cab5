// Unit tests of the D3FEND parser and countermeasure rule on small hand-written Turtle, including broken files.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseD3fend } from '../../src/seed/d3fend/parse.js';
import type { NodeRecord } from '../../src/seed/records.js';
import { sourceFailure } from '../helpers/errors.js';
import { fixture } from '../helpers/paths.js';

const parse = (name: string) => parseD3fend(readFileSync(fixture('d3fend', name)), name);
const D3F = 'http://d3fend.mitre.org/ontologies/d3fend.owl#';

describe('parseD3fend on a small ontology', () => {
  const records = parse('mini.ttl');
  const node = (label: string, key: string) =>
    records.nodes.find((n: NodeRecord) => n.label === label && n.key === key)?.props;

  it('records every ATT&CK id the ontology names, for the report of ids not loaded', () => {
    assert.deepEqual(records.dataset.extra, { attackIds: ['T1550', 'T1550.001', 'T9999'] });
  });

  it('reads the tactics with their display order', () => {
    assert.deepEqual(
      records.nodes.filter((n) => n.label === 'D3fendTactic').map((n) => [n.key, n.props.order]),
      [
        ['Detect', 1],
        ['Deceive', 3],
      ],
    );
  });

  it('keeps only defensive techniques as countermeasures, each with its tactic found through the hierarchy', () => {
    const techniques = records.nodes
      .filter((n) => n.label === 'D3fendTechnique')
      .map((n) => [n.key, n.props.tactic, n.props.tacticOrder]);
    // With the tactic's display order (1 and 3 in the fixture), for sorting countermeasures without a tactic read.
    assert.deepEqual(techniques.sort(), [
      ['D3-ANET', 'Detect', 1],
      ['D3-DO', 'Deceive', 3],
      ['D3-DST', 'Deceive', 3],
      ['D3-DUC', 'Deceive', 3],
      ['D3-NTA', 'Detect', 1],
      ['D3-PMAD', 'Detect', 1],
    ]);
  });

  it('merges a class spread over several blocks and reads references', () => {
    const pmad = node('D3fendTechnique', 'D3-PMAD');
    assert.equal(
      pmad?.definition,
      'Collecting network communication protocol metadata and identifying statistical outliers.',
    );
    assert.deepEqual(pmad?.synonyms, ['Protocol Anomaly Detection']);
    const dst = node('D3fendTechnique', 'D3-DST');
    assert.deepEqual(
      [dst?.references, dst?.referenceUrls],
      [['Decoy and deceptive data object technology'], ['https://patents.google.com/patent/US20170134423A1']],
    );
  });

  it('infers countermeasures through an inherited offensive artifact and a broader defensive artifact', () => {
    const counters = (id: string) => {
      const props = node('D3fendTechnique', id) ?? {};
      const paths = props.counterPaths as string[];
      return Object.fromEntries((props.counters as string[]).map((attackId, i) => [attackId, paths[i]]));
    };
    // Each path ends with the two artifacts' labels. T1550.001 uses AccessToken (a Credential); it inherits "may-produce NetworkTraffic" from T1550.
    assert.deepEqual(counters('D3-DUC'), {
      'T1550.001': 'T1550.001|uses|AccessToken|spoofs|Credential|Access Token|Credential',
      T9999: 'T9999|forges|SessionToken|spoofs|Credential|Session Token|Credential',
    });
    assert.deepEqual(counters('D3-PMAD'), {
      T1550: 'T1550|may-produce|NetworkTraffic|analyzes|NetworkTraffic|Network Traffic|Network Traffic',
      'T1550.001': 'T1550|may-produce|NetworkTraffic|analyzes|NetworkTraffic|Network Traffic|Network Traffic',
    });
    // A narrower defensive artifact (SessionToken below AccessToken) does not counter T1550.001.
    assert.deepEqual(counters('D3-DST'), {
      T9999: 'T9999|forges|SessionToken|spoofs|SessionToken|Session Token|Session Token',
    });
    assert.deepEqual(counters('D3-NTA'), {});
    // Authentication is no digital artifact: T1550.001 creates one, D3-ANET analyzes them, yet no countermeasure.
    assert.deepEqual(counters('D3-ANET'), {});
  });

  it('links artifacts into their hierarchy and records what acts on them', () => {
    const edges = records.edges
      .map((e) => `${e.type} ${e.from.key.replace(D3F, '')} -> ${e.to.key.replace(D3F, '')}`)
      .sort();
    assert.deepEqual(edges, [
      'ACTS_ON D3-DST -> SessionToken',
      'ACTS_ON D3-DUC -> Credential',
      'ACTS_ON D3-PMAD -> NetworkTraffic',
      'IN_TACTIC D3-ANET -> Detect',
      'IN_TACTIC D3-DO -> Deceive',
      'IN_TACTIC D3-DST -> Deceive',
      'IN_TACTIC D3-DUC -> Deceive',
      'IN_TACTIC D3-NTA -> Detect',
      'IN_TACTIC D3-PMAD -> Detect',
      'SUBCLASS_OF AccessToken -> Credential',
      'SUBCLASS_OF Credential -> DigitalArtifact',
      'SUBCLASS_OF D3-ANET -> D3-NTA',
      'SUBCLASS_OF D3-DST -> D3-DO',
      'SUBCLASS_OF D3-DUC -> D3-DO',
      'SUBCLASS_OF D3-PMAD -> D3-NTA',
      'SUBCLASS_OF NetworkTraffic -> DigitalArtifact',
      'SUBCLASS_OF SessionToken -> AccessToken',
    ]);
    const token = node('Artifact', `${D3F}AccessToken`);
    assert.deepEqual(
      [token?.id, token?.name, token?.synonyms, token?.attackIds, token?.attackRelations],
      ['AccessToken', 'Access Token', ['Token'], ['T1550.001'], ['uses']],
    );
  });
});

describe('parseD3fend on bad input', () => {
  const failure = (name: string) => sourceFailure(() => parse(name), name);

  it('a file that is not Turtle: the line and the parser reason', () => {
    assert.equal(failure('not-turtle.ttl').message, 'not-turtle.ttl: line 1: not valid Turtle: Unexpected literal');
  });

  it('a truncated file: the line where it breaks off', () => {
    const lines = readFileSync(fixture('d3fend', 'truncated.ttl'), 'utf8').split('\n').length;
    const error = failure('truncated.ttl');
    assert.equal(error.position, `line ${lines}`);
    assert.match(error.reason, /^not valid Turtle: /);
  });

  it('a defensive technique without a label: its line and id', () => {
    const line = (name: string) =>
      readFileSync(fixture('d3fend', name), 'utf8')
        .split('\n')
        .findIndex((l) => /^(d3f)?:DecoyUserCredential a /.test(l)) + 1;
    assert.equal(
      failure('technique-without-label.ttl').message,
      `technique-without-label.ttl: line ${line('technique-without-label.ttl')} (d3f:DecoyUserCredential): ` +
        'defensive technique D3-DUC has no rdfs:label',
    );
    // The published d3fend.ttl writes the d3f: prefix: the line is found all the same.
    assert.equal(
      failure('d3f-prefix-without-label.ttl').message,
      `d3f-prefix-without-label.ttl: line ${line('d3f-prefix-without-label.ttl')} (d3f:DecoyUserCredential): ` +
        'defensive technique D3-DUC has no rdfs:label',
    );
  });

  it('a file cut at a statement boundary: valid Turtle, but classes it uses are never defined', () => {
    const text = readFileSync(fixture('d3fend', 'cut-at-statement.ttl'), 'utf8');
    const firstUse = text.split('\n').findIndex((l) => /someValuesFrom :Credential /.test(l)) + 1;
    assert.equal(
      failure('cut-at-statement.ttl').message,
      `cut-at-statement.ttl: line ${firstUse}: 3 classes are used but never defined (d3f:Credential, …): is the file truncated?`,
    );
  });

  it('Turtle that is not the D3FEND ontology', () => {
    assert.equal(
      failure('other-ontology.ttl').message,
      'other-ontology.ttl: whole file: no D3FEND defensive techniques or tactics found: is this the D3FEND ontology?',
    );
  });
});
