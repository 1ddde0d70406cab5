// What the reliability scripts share: their own Neo4j, a reproducible random source, an API server that is probed.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project's root (dist/reliability/ -> ../..). */
export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Unless NEO4J_URI names one, starts the scripts' own local Neo4j (`.neo4j/reliability`, Bolt port 7691 or
 * NEO4J_RELIABILITY_BOLT_PORT), which they may wipe; returns how to stop what was started here. Call before
 * importing modules that read the configuration.
 */
export async function ownNeo4j(): Promise<{ stop(): Promise<void> }> {
  if (process.env.NEO4J_URI) return { stop: async () => {} };
  process.env.NEO4J_HOME = path.join(projectRoot, '.neo4j', 'reliability');
  process.env.NEO4J_BOLT_PORT = process.env.NEO4J_RELIABILITY_BOLT_PORT ?? '7691';
  const local = await import('../src/neo4j/local.js');
  const { uri, alreadyRunning } = await local.startLocalNeo4j();
  process.env.NEO4J_URI = uri;
  process.env.BENCH_ALLOW_WIPE = '1';
  return { stop: async () => (alreadyRunning ? undefined : void (await local.stopLocalNeo4j())) };
}

/** A reproducible source of numbers in [0, 1) (mulberry32), so that a run can be repeated with its seed. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The API as deployed (`ours`: production mode, response cache) in its own process, on a free port. */
export async function startApi(): Promise<{ url: string; pid: number | null; stop(): Promise<void> }> {
  // Imported here: the benchmark's modules read the configuration, which ownNeo4j() sets up first.
  const { spawnServer } = await import('../bench/suite.js');
  return spawnServer('ours');
}

/** What a probe saw: requests answered cleanly, and the others with their first few reasons. */
export interface ProbeResult {
  answered: number;
  failed: number;
  failures: string[];
}

/** Asks the API one small question after another (every 50 ms) until stopped, and counts what it got. */
export class ApiProbe {
  private api: Awaited<ReturnType<typeof startApi>> | null = null;
  private running: Promise<void> | null = null;
  private stopping = false;
  private readonly result: ProbeResult = { answered: 0, failed: 0, failures: [] };

  async start(): Promise<void> {
    this.api = await startApi();
    const url = this.api.url;
    const body = JSON.stringify({ query: '{ technique(id: "T1550.001") { id name tactics { id } } }' });
    this.running = (async () => {
      while (!this.stopping) {
        try {
          const response = await fetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body,
            signal: AbortSignal.timeout(30_000),
          });
          const answer = (await response.json()) as { errors?: { message: string }[] };
          if (response.status === 200 && !answer.errors) this.result.answered += 1;
          else this.fail(`${response.status} ${JSON.stringify(answer.errors ?? answer).slice(0, 200)}`);
        } catch (error) {
          this.fail((error as Error).message);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
  }

  /** Stops probing and the API; the result (safe to call twice). */
  async stop(): Promise<ProbeResult> {
    this.stopping = true;
    await this.running;
    await this.api?.stop();
    this.api = null;
    return this.result;
  }

  private fail(reason: string): void {
    this.result.failed += 1;
    if (this.result.failures.length < 5) this.result.failures.push(reason);
  }
}
