// The technique report's layout: given the data the reference report was made from, the output is the reference.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { accessDate, renderTechniqueReport } from '../../src/report/technique.js';
import { sharedData, skipWithoutSharedData } from '../helpers/paths.js';

const REFERENCE = path.join(sharedData, '..', 'reference', 'technique-report-T1550.001.md');

/** The data of the reference report, read from its own lines (names, links, numbers, dates). */
function referenceData(text: string) {
  const lines = text.split('\n');
  const d3fend = lines
    .filter((l) => l.startsWith('* [') && l.includes('d3fend.mitre.org/techniques/'))
    .map((l) => {
      const [, name, local] = /^\* \[(.+)\]\(https:\/\/d3fend\.mitre\.org\/techniques\/d3f:(.+)\)$/.exec(l) ?? [];
      return { name: name as string, iri: `http://d3fend.mitre.org/ontologies/d3fend.owl#${local}` };
    });
  const sigma = lines
    .filter((l) => l.startsWith('* [sigma/'))
    .map((l) => {
      const [, label, url] = /^\* \[sigma\/(.+)\]\((.+)\)$/.exec(l) ?? [];
      return { source: 'sigmahq', path: label as string, url: url as string };
    });
  const totals = [...text.matchAll(/^\*\*Total ATT&CK-mapped (?:resources|rules):\*\* (\d+)$/gm)].map((m) =>
    Number(m[1]),
  );
  const description = /<blockquote>([\s\S]*)<\/blockquote>/.exec(text)?.[1] as string;
  return {
    id: 'T1550.001',
    name: 'Application Access Token',
    url: 'https://attack.mitre.org/techniques/T1550/001',
    tactics: ['Defense Evasion', 'Lateral Movement'],
    description,
    d3fend: { accessed: '2022-04-27T12:00:00Z', totalMapped: totals[0] as number, countermeasures: d3fend },
    sigma: { accessed: '2022-04-27T12:00:00Z', totalMapped: totals[1] as number, rules: sigma },
    atomic: { accessed: '2022-04-27T12:00:00Z', tests: [] },
  };
}

describe('renderTechniqueReport', { skip: skipWithoutSharedData() }, () => {
  it('reproduces the reference report from its data, byte for byte', () => {
    const reference = readFileSync(REFERENCE, 'utf8');
    const data = referenceData(reference);
    assert.equal(data.d3fend.countermeasures.length, 15);
    assert.equal(data.sigma.rules.length, 3);
    assert.equal(renderTechniqueReport(data), reference);
  });

  it('lists Atomic tests when there are some, and other sources without upstream links', () => {
    const data = referenceData(readFileSync(REFERENCE, 'utf8'));
    const report = renderTechniqueReport({
      ...data,
      sigma: { ...data.sigma, rules: [{ source: 'acme', path: 'rules/ours.yml', url: null }] },
      atomic: {
        accessed: '2026-11-26T06:00:00Z',
        tests: [
          {
            number: 1,
            name: 'Azure - Functions code upload',
            path: 'T1550.001/T1550.001.yaml',
            platforms: ['iaas:azure'],
          },
        ],
      },
    });
    assert.ok(report.includes('\n* acme/rules/ours.yml\n'));
    assert.ok(
      report.endsWith(
        [
          '## Offensive Security Tests',
          '### [Atomic Red Team](https://github.com/redcanaryco/atomic-red-team)',
          '**Last accessed:** November 26, 2026',
          '',
          '**Tests for this (sub)technique:** 1',
          '',
          '* [Atomic Test #1: Azure - Functions code upload](https://github.com/redcanaryco/atomic-red-team/blob/master/atomics/T1550.001/T1550.001.yaml) (iaas:azure)',
          '',
        ].join('\n'),
      ),
    );
  });

  it('writes dates as the reference does', () => {
    assert.deepEqual([accessDate('2022-04-27T23:59:00Z'), accessDate(null)], ['April 27, 2022', 'not loaded']);
  });
});
