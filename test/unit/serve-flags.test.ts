// The Node flags the API is shipped with: the same in `npm run serve`, `npm start`, docker-compose.yml and the benchmark.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import yaml from 'js-yaml';
import { SERVE_NODE_FLAGS } from '../../bench/suite.js';
import { projectRoot } from '../../src/config.js';

describe('Node flags of the API', () => {
  const read = (file: string) => readFileSync(path.join(projectRoot, file), 'utf8');

  it('npm run serve and npm start pass the flags the benchmark measures', () => {
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    for (const name of ['serve', 'start']) {
      assert.equal(scripts[name], `node ${SERVE_NODE_FLAGS.join(' ')} dist/src/cli.js serve`, name);
    }
  });

  it("the compose file's api service passes them in NODE_OPTIONS, and its seed service does not", () => {
    const compose = yaml.load(read('docker-compose.yml')) as {
      services: Record<string, { environment?: Record<string, unknown> }>;
    };
    assert.equal(compose.services.api?.environment?.NODE_OPTIONS, SERVE_NODE_FLAGS.join(' '));
    assert.equal(compose.services.seed?.environment?.NODE_OPTIONS, undefined);
  });
});
