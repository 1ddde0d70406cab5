// Seeder feedback: a live status line per source on a terminal, nothing while running when not a TTY.

/** Receives the seeder's progress; `done` lines are printed whether or not the output is a terminal. */
export interface Progress {
  update(source: string, status: string): void;
  done(line: string): void;
}

/** A Progress that rewrites one line on a TTY and prints only final lines otherwise. */
export function terminalProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  const live = stream.isTTY === true;
  let last = 0;
  return {
    update(source, status) {
      const now = Date.now();
      if (!live || now - last < 100) return;
      last = now;
      stream.write(`\r\x1b[2K${source}: ${status}`);
    },
    done(line) {
      stream.write(live ? `\r\x1b[2K${line}\n` : `${line}\n`);
    },
  };
}

/** A Progress that discards everything (library use and tests). */
export const silentProgress: Progress = { update() {}, done() {} };
