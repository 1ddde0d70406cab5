// One benchmark at a time per Neo4j folder: a lock file holding the pid of the run that uses the folder.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isAlive } from '../src/neo4j/pid.js';

/** A held lock; `release` removes its file (once; later calls do nothing). */
export interface FolderLock {
  file: string;
  release: () => void;
}

/**
 * Takes `<folder>.lock` for this process, so that a second benchmark cannot stop the Neo4j of this one or remove its
 * store. A lock whose process is gone (a run killed before it could release it) is taken over. Throws, naming the
 * file and the process, while a live process holds it.
 */
export function lockFolder(folder: string, what: string): FolderLock {
  const file = `${folder}.lock`;
  mkdirSync(path.dirname(file), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
      let held = true;
      return {
        file,
        release: () => {
          if (held) rmSync(file, { force: true });
          held = false;
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = readHolder(file);
    if (holder !== null && holder !== process.pid && isAlive(holder)) {
      throw new Error(
        `Another benchmark (pid ${holder}) is using ${folder} for ${what}: ${file} says so. Wait for it to end, or ` +
          `stop it; a lock left by a process that has ended is taken over.`,
      );
    }
    // Stale (its process ended) or unreadable: remove it and try once more, so that two runs racing for a stale lock
    // still end with one holder (the other's exclusive create fails and it reads the winner's live pid).
    rmSync(file, { force: true });
  }
  throw new Error(`Could not take ${file} for ${what}; another run took it at the same moment.`);
}

function readHolder(file: string): number | null {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}
