// `npm test`: runs every test file on a real Neo4j, the one NEO4J_URI names or else a test instance started here.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// Not imported from src/config.ts: the configuration must be read after the test instance's settings are set below.
const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const TEST_BOLT_PORT = process.env.NEO4J_TEST_BOLT_PORT ?? '7688';

async function main(): Promise<number> {
  const folders = process.argv.slice(2);
  const targets = folders.length > 0 ? folders : [path.join(projectRoot, 'dist', 'test')];
  let stop: (() => Promise<unknown>) | null = null;
  if (!process.env.NEO4J_URI) {
    // A separate instance (own data folder and port) so tests never touch the data of `npm run neo4j`.
    process.env.NEO4J_HOME = process.env.NEO4J_TEST_HOME ?? path.join(projectRoot, '.neo4j', 'test-instance');
    process.env.NEO4J_BOLT_PORT = TEST_BOLT_PORT;
    const local = await import('../src/neo4j/local.js');
    const { uri, alreadyRunning } = await local.startLocalNeo4j();
    console.log(`tests use the local test Neo4j at ${uri}${alreadyRunning ? ' (already running)' : ''}`);
    process.env.NEO4J_URI = uri;
    // Tests that stop and restart Neo4j may do it to this instance (NEO4J_HOME and NEO4J_BOLT_PORT name it).
    process.env.COVERAGE_GRAPH_TEST_LOCAL_NEO4J = '1';
    if (!alreadyRunning) stop = local.stopLocalNeo4j;
  }
  const code = await new Promise<number>((resolve) => {
    const child = spawn(process.execPath, ['--test', '--test-concurrency=1', ...targets], {
      stdio: 'inherit',
      env: process.env,
    });
    child.on('exit', (status, signal) => resolve(status ?? (signal ? 1 : 0)));
  });
  if (stop) await stop();
  return code;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    console.error(error);
    process.exitCode = 1;
  },
);
