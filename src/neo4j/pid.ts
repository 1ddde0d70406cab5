// Whether a process is alive, by pid: for the local Neo4j's pid file and the benchmark's folder locks.

/** True while a process with this pid exists, also when it belongs to another user (EPERM). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
