// CPU times of a process and of its threads by kind, read from /proc (Linux): what the benchmark charges to whom.
import { readdirSync, readFileSync } from 'node:fs';

/** USER_HZ: the unit of /proc's CPU times, 100 on every Linux this runs on. */
const CLOCK_TICKS = 100;

/** utime + stime of a `/proc/<pid>/stat` or `/proc/<pid>/task/<tid>/stat` line, in seconds. */
function statSeconds(stat: string): number {
  // The fields after the command name (which may hold spaces) start at state: utime and stime are 12th and 13th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** CPU seconds (user + system) a process has used so far; null when it cannot be read. */
export function cpuSeconds(pid: number | null): number | null {
  if (pid === null) return null;
  try {
    return statSeconds(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return null;
  }
}

/** The kinds of thread of Neo4j's JVM whose CPU a first seed is split into. */
export const JVM_THREAD_KINDS = ['c2', 'c1', 'bolt', 'gc', 'other'] as const;
export type JvmThreadKind = (typeof JVM_THREAD_KINDS)[number];

/** A HotSpot thread's kind from its name (`/proc` cuts names to 15 characters). */
export function jvmThreadKind(name: string): JvmThreadKind {
  if (name.startsWith('C2 CompilerThre')) return 'c2';
  if (name.startsWith('C1 CompilerThre')) return 'c1';
  // Bolt's worker threads run the statements; its network threads only move bytes (counted as other).
  if (name.startsWith('neo4j.BoltWorke')) return 'bolt';
  if (name.startsWith('GC Thread') || name.startsWith('G1 ')) return 'gc';
  return 'other';
}

/** Each live thread's name and CPU seconds so far, by thread id; empty when /proc cannot be read. */
export function threadCpu(pid: number): Map<string, { name: string; seconds: number }> {
  const threads = new Map<string, { name: string; seconds: number }>();
  let ids: string[];
  try {
    ids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return threads;
  }
  for (const id of ids) {
    try {
      const name = readFileSync(`/proc/${pid}/task/${id}/comm`, 'utf8').trim();
      threads.set(id, { name, seconds: statSeconds(readFileSync(`/proc/${pid}/task/${id}/stat`, 'utf8')) });
    } catch {
      // The thread ended between the listing and the read: its time is lost either way.
    }
  }
  return threads;
}

/**
 * CPU seconds spent between two `threadCpu` readings of a JVM, by thread kind. A thread started in between counts
 * from zero; one that ended in between is lost (Neo4j's long-lived pools hold nearly all of its CPU).
 */
export function jvmCpuBetween(
  before: ReturnType<typeof threadCpu>,
  after: ReturnType<typeof threadCpu>,
): Record<JvmThreadKind, number> {
  const spent = Object.fromEntries(JVM_THREAD_KINDS.map((kind) => [kind, 0])) as Record<JvmThreadKind, number>;
  for (const [id, thread] of after) {
    spent[jvmThreadKind(thread.name)] += thread.seconds - (before.get(id)?.seconds ?? 0);
  }
  return spent;
}
