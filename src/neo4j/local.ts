// The local Neo4j of coverage-graph: fetched from Maven Central, run on Java 17, no Docker.
import { execFile, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { config, projectRoot } from '../config.js';
import { isAlive } from './pid.js';

const local = config.localNeo4j;
const scriptsDir = path.join(projectRoot, 'scripts', 'neo4j');
const pidFile = path.join(local.home, 'neo4j.pid');
const logFile = path.join(local.home, 'neo4j.log');
const classpathFile = path.join(local.mavenRepo, `coverage-graph-classpath-${local.version}.txt`);
/** Printed by scripts/neo4j/Launcher.java once Bolt accepts connections. */
const READY_LINE = 'coverage-graph neo4j ready';
const STOP_TIMEOUT_MS = 60_000;
const JVM_FLAGS = [
  '-XX:+ExitOnOutOfMemoryError',
  '-XX:-OmitStackTraceInFastThrow',
  '-Djdk.nio.maxCachedBufferSize=1024',
  '-Dio.netty.tryReflectionSetAccessible=true',
  '-Dlog4j2.disable.jmx=true',
  '--add-opens=java.base/java.nio=ALL-UNNAMED',
  '--add-opens=java.base/java.io=ALL-UNNAMED',
  '--add-opens=java.base/sun.nio.ch=ALL-UNNAMED',
];

const probeHost = local.host === '0.0.0.0' || local.host === '::' ? '127.0.0.1' : local.host;
const uri = `bolt://${probeHost}:${local.boltPort}`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts the local Neo4j in the background (it outlives this process) and resolves once Bolt accepts connections.
 * Downloads Neo4j from Maven Central into `config.localNeo4j.mavenRepo` (`.neo4j/m2`) on the first start; `alreadyRunning` is true when it was up already.
 */
export async function startLocalNeo4j(): Promise<{ uri: string; alreadyRunning: boolean }> {
  const running = readLivePid();
  if (running !== undefined) {
    await waitUntilReady(() => isAlive(running), false);
    return { uri, alreadyRunning: true };
  }
  if (await isPortOpen()) {
    throw new Error(
      `Port ${local.boltPort} on ${probeHost} is already in use by another program (not the local Neo4j in ${local.home}); ` +
        'stop that program or choose another port with NEO4J_BOLT_PORT.',
    );
  }
  checkJava();
  fs.mkdirSync(local.home, { recursive: true });
  fs.mkdirSync(local.mavenRepo, { recursive: true });
  const classpath = await resolveClasspath();

  const log = fs.openSync(logFile, 'w');
  const launcherArgs = [
    `--home=${local.home}`,
    `--host=${local.host}`,
    `--port=${local.boltPort}`,
    `--pagecache=${local.pageCache}`,
    `--auth=${local.authEnabled}`,
  ];
  const child = spawn(
    'java',
    [
      `-Xms${local.heap}`,
      `-Xmx${local.heap}`,
      ...JVM_FLAGS,
      '-cp',
      classpath,
      path.join(scriptsDir, 'Launcher.java'),
      ...launcherArgs,
    ],
    {
      cwd: projectRoot,
      detached: true,
      stdio: ['ignore', log, log],
      env: { ...process.env, NEO4J_PASSWORD: config.neo4j.password },
    },
  );
  fs.closeSync(log);
  let exited = false;
  child.on('exit', () => {
    exited = true;
  });
  child.unref();
  if (child.pid === undefined) throw new Error(`Could not start java; see ${logFile}`);
  fs.writeFileSync(pidFile, `${child.pid}\n`);

  const pid = child.pid;
  try {
    await waitUntilReady(() => !exited && isAlive(pid), true);
  } catch (error) {
    if (!exited) await terminate(pid);
    removePidFile();
    throw error;
  }
  return { uri, alreadyRunning: false };
}

/** Stops the local Neo4j (SIGTERM, then SIGKILL after 60 s); resolves false if it was not running. */
export async function stopLocalNeo4j(): Promise<boolean> {
  const pid = readLivePid();
  if (pid === undefined) return false;
  await terminate(pid);
  removePidFile();
  return true;
}

/** Whether the local Neo4j is running, with its pid, Bolt URI and home folder. */
export async function localNeo4jStatus(): Promise<{ running: boolean; pid?: number; uri: string; home: string }> {
  const pid = readLivePid();
  return pid === undefined ? { running: false, uri, home: local.home } : { running: true, pid, uri, home: local.home };
}

/** The CLI subcommand `neo4j start|stop|status`; resolves to the exit code. */
export async function runNeo4jCommand(args: string[]): Promise<number> {
  const [command] = args;
  try {
    switch (command) {
      case 'start': {
        const started = Date.now();
        const result = await startLocalNeo4j();
        if (result.alreadyRunning) console.log(`Neo4j is already running at ${result.uri}`);
        else
          console.log(
            `Neo4j ${local.version} started at ${result.uri} in ${((Date.now() - started) / 1000).toFixed(1)} s (log: ${logFile})`,
          );
        return 0;
      }
      case 'stop':
        console.log((await stopLocalNeo4j()) ? 'Neo4j stopped' : 'Neo4j was not running');
        return 0;
      case 'status': {
        const status = await localNeo4jStatus();
        console.log(
          status.running
            ? `Neo4j is running at ${status.uri} (pid ${status.pid}, home ${status.home})`
            : 'Neo4j is not running',
        );
        return status.running ? 0 : 3;
      }
      default:
        console.error('Usage: coverage-graph neo4j start|stop|status');
        return 2;
    }
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    return 1;
  }
}

/** The pid of our running launcher; removes a stale pid file. */
function readLivePid(): number | undefined {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(pidFile, 'utf8').trim());
  } catch {
    return undefined;
  }
  if (Number.isInteger(pid) && pid > 0 && isAlive(pid) && isLauncher(pid)) return pid;
  removePidFile();
  return undefined;
}

/** Guards against a recycled pid where /proc exists (Linux). */
function isLauncher(pid: number): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('Launcher.java');
  } catch {
    return !fs.existsSync('/proc/self');
  }
}

function removePidFile(): void {
  fs.rmSync(pidFile, { force: true });
}

async function terminate(pid: number): Promise<void> {
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (isAlive(pid)) {
    if (Date.now() > deadline) {
      process.kill(pid, 'SIGKILL');
      return;
    }
    await sleep(200);
  }
}

function isPortOpen(): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: probeHost, port: local.boltPort });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Waits for the ready line in the log and an open Bolt port; throws with the log's tail if the launcher dies or times out. */
async function waitUntilReady(alive: () => boolean, needReadyLine: boolean): Promise<void> {
  const deadline = Date.now() + local.startTimeoutMs;
  while (true) {
    if (!alive()) throw new Error(`Neo4j exited while starting. Last lines of ${logFile}:\n${logTail()}`);
    if ((!needReadyLine || readLog().includes(READY_LINE)) && (await isPortOpen())) return;
    if (Date.now() > deadline) {
      throw new Error(
        `Neo4j did not start within ${local.startTimeoutMs} ms (NEO4J_START_TIMEOUT_MS). Last lines of ${logFile}:\n${logTail()}`,
      );
    }
    await sleep(250);
  }
}

function readLog(): string {
  try {
    return fs.readFileSync(logFile, 'utf8');
  } catch {
    return '';
  }
}

function logTail(lines = 30): string {
  return readLog().trimEnd().split('\n').slice(-lines).join('\n');
}

function checkJava(): void {
  const result = spawnSync('java', ['-version'], { encoding: 'utf8' });
  const match = result.error ? null : /version "(\d+)(?:\.(\d+))?/.exec(`${result.stderr}${result.stdout}`);
  const major = match ? (match[1] === '1' ? Number(match[2]) : Number(match[1])) : 0;
  if (major < 17) {
    const found = match ? `found Java ${major}` : '`java` was not found on the PATH';
    throw new Error(
      `Java 17 or newer is needed to run the local Neo4j (${found}): install it with ` +
        '`apt-get install openjdk-17-jre-headless` (Debian/Ubuntu) or from https://adoptium.net',
    );
  }
}

/** The jars of Neo4j and its Bolt connector, resolved by Maven once per version and cached in `.neo4j/`. */
async function resolveClasspath(): Promise<string> {
  if (fs.existsSync(classpathFile)) {
    const cached = fs.readFileSync(classpathFile, 'utf8').trim();
    if (cached !== '' && cached.split(path.delimiter).every((jar) => fs.existsSync(jar))) return cached;
  }
  if (spawnSync('mvn', ['-v'], { encoding: 'utf8' }).error) {
    throw new Error(
      'Maven is needed to download the local Neo4j from Maven Central: install it with ' +
        '`apt-get install maven` (Debian/Ubuntu) or from https://maven.apache.org/download.cgi',
    );
  }
  const tmpFile = `${classpathFile}.tmp`;
  const mvnArgs = [
    '-q',
    '-B',
    '-f',
    path.join(scriptsDir, 'pom.xml'),
    'dependency:build-classpath',
    `-Dmdep.outputFile=${tmpFile}`,
    `-Dmaven.repo.local=${local.mavenRepo}`,
    `-Dneo4j.version=${local.version}`,
  ];
  try {
    await promisify(execFile)('mvn', mvnArgs, { maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const output = error as { stdout?: string; stderr?: string; message: string };
    const detail =
      `${output.stdout ?? ''}${output.stderr ?? ''}`.trim().split('\n').slice(-30).join('\n') || output.message;
    throw new Error(`Maven could not resolve Neo4j ${local.version} (mvn ${mvnArgs.join(' ')}):\n${detail}`);
  }
  fs.renameSync(tmpFile, classpathFile);
  return fs.readFileSync(classpathFile, 'utf8').trim();
}
