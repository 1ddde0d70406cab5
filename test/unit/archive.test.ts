// Rule archives: zip and tar.gz read to the same files as the unpacked folder; anything else is refused.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { zipSync } from 'fflate';
import { create } from 'tar';
import { isArchiveName, readArchive } from '../../src/seed/archive.js';
import { readFolder } from '../../src/seed/folder.js';
import { fixture } from '../helpers/paths.js';

const YAML = /\.ya?ml$/;

describe('readArchive', async () => {
  const folder = await readFolder(fixture('sigma'), YAML);

  it('reads a zip as GitHub serves it (one top folder) to the files of the folder', async () => {
    const zip = zipSync(
      Object.fromEntries([
        ...folder.map((f) => [`sigma-master/${f.path}`, new TextEncoder().encode(f.text)]),
        ['sigma-master/README.md', new TextEncoder().encode('not a rule')],
      ]),
    );
    assert.deepEqual(await readArchive(Buffer.from(zip), 'sigma.zip', YAML), folder);
  });

  it('reads a tar.gz to the files of the folder', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'coverage-graph-')), 'sigma.tar.gz');
    create({ gzip: true, file, cwd: path.dirname(fixture('sigma')), sync: true }, ['sigma']);
    assert.deepEqual(await readArchive(readFileSync(file), file, YAML), folder);
  });

  it('refuses what is neither', async () => {
    await assert.rejects(readArchive(Buffer.from('title: x\n'), 'rules.zip', YAML), {
      message: 'rules.zip: start: not a zip or tar.gz archive',
    });
  });

  it('tells archives from folders by name', () => {
    assert.deepEqual(
      ['a.zip', 'https://x/y/sigma_all_rules.zip', 'b.tar.gz', 'c.tgz', 'rules', 'https://x/rules'].map(isArchiveName),
      [true, true, true, true, false, false],
    );
  });
});
