// Seeder feedback: a progress bar per source on a terminal (parsed, written, rate, ETA), plain lines otherwise.

/** Receives the seeder's progress; `done` lines are printed whether or not the output is a terminal. */
export interface Progress {
  /** A step without a known size (reading and parsing a source, linking): its status. */
  update(source: string, status: string): void;
  /** A source's write: `written` of its `total` parsed objects (nodes and edges) are in the graph. */
  writing(source: string, written: number, total: number): void;
  /** A finished step: one line. */
  done(line: string): void;
}

/** How often a live line is redrawn, and how often a plain line is printed while a source is written. */
const REDRAW_MS = 100;
const PLAIN_EVERY_MS = 5000;
const BAR_WIDTH = 24;

/**
 * A Progress that draws one live line on a TTY (a bar with count, percentage, rate and time left while a source is
 * written; while several are written at once, each one's name and percentage) and prints plain lines otherwise: one
 * per source when its write starts, one every 5 s while it runs, and the `done` lines. `now` is the clock
 * (milliseconds), for tests.
 */
export function terminalProgress(stream: NodeJS.WriteStream = process.stderr, now: () => number = Date.now): Progress {
  const live = stream.isTTY === true;
  let lastDrawn = 0;
  // Every source whose write has started, in that order, with the fraction of it written so far.
  const writes = new Map<string, { started: number; lastPrinted: number; fraction: number }>();
  return {
    update(source, status) {
      const t = now();
      if (!live || t - lastDrawn < REDRAW_MS) return;
      lastDrawn = t;
      stream.write(`\r\x1b[2K${source}: ${status}`);
    },
    writing(source, written, total) {
      const t = now();
      let write = writes.get(source);
      if (!write) {
        write = { started: t, lastPrinted: t, fraction: 0 };
        writes.set(source, write);
        if (!live) stream.write(`${source}: writing ${count(total)} parsed objects\n`);
      }
      const line = writeStatus(source, written, total, t - write.started);
      write.fraction = line.fraction;
      if (live) {
        if (t - lastDrawn < REDRAW_MS && written < total) return;
        lastDrawn = t;
        // Other sources still being written (a finished one has its whole fraction).
        const others = [...writes].filter(([name, w]) => name !== source && w.fraction < 1);
        const text =
          others.length === 0
            ? line.bar
            : [[source, write] as const, ...others]
                .map(([name, w]) => `${name} ${Math.floor(w.fraction * 100)}%`)
                .join(' · ');
        stream.write(`\r\x1b[2K${text}`);
      } else if (t - write.lastPrinted >= PLAIN_EVERY_MS && written < total) {
        write.lastPrinted = t;
        stream.write(`${line.plain}\n`);
      }
    },
    done(line) {
      stream.write(live ? `\r\x1b[2K${line}\n` : `${line}\n`);
    },
  };
}

/**
 * The live bar and the plain line of a write (count, percentage, rate so far and the time left at that rate), and
 * the fraction written (at most 1).
 */
export function writeStatus(
  source: string,
  written: number,
  total: number,
  elapsedMs: number,
): { bar: string; plain: string; fraction: number } {
  const fraction = total > 0 ? Math.min(written / total, 1) : 1;
  const filled = Math.round(fraction * BAR_WIDTH);
  const percent = `${Math.floor(fraction * 100)}%`;
  const rate = elapsedMs > 0 ? (written * 1000) / elapsedMs : null;
  const left = rate && rate > 0 ? ((total - written) / rate) * 1000 : null;
  const rateText = rate === null ? '–/s' : `${count(Math.round(rate))}/s`;
  const eta = left === null ? 'ETA –' : `ETA ${duration(left)}`;
  return {
    fraction,
    bar:
      `${source} [${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${percent.padStart(4)} ` +
      `${count(written)}/${count(total)} written  ${rateText}  ${eta}`,
    plain:
      `${source}: ${count(written)} of ${count(total)} written (${percent}), ${rateText}` +
      (left === null ? '' : `, about ${duration(left)} left`),
  };
}

/**
 * The final table of a seed: per source, what was parsed, written and retired, its warnings and its seconds. The
 * total's write seconds are `writeSeconds` when given (the write's wall time: sources of unrelated labels are written
 * at the same time), else the sum.
 */
export function seedTable(
  sources: readonly {
    scope: string;
    parsed: number;
    nodes: number;
    edges: number;
    removedNodes: number;
    removedEdges: number;
    warnings: readonly { skipped?: boolean }[];
    readSeconds: number;
    seconds: number;
  }[],
  writeSeconds?: number,
): string {
  const header = ['source', 'parsed', 'nodes', 'edges', 'retired', 'warnings', 'skipped files', 'read s', 'write s'];
  const rows = sources.map((s) => [
    s.scope,
    count(s.parsed),
    count(s.nodes),
    count(s.edges),
    count(s.removedNodes + s.removedEdges),
    count(s.warnings.length),
    count(s.warnings.filter((w) => w.skipped).length),
    s.readSeconds.toFixed(1),
    s.seconds.toFixed(1),
  ]);
  const sum = (pick: (s: (typeof sources)[number]) => number) => sources.reduce((total, s) => total + pick(s), 0);
  rows.push([
    'total',
    count(sum((s) => s.parsed)),
    count(sum((s) => s.nodes)),
    count(sum((s) => s.edges)),
    count(sum((s) => s.removedNodes + s.removedEdges)),
    count(sum((s) => s.warnings.length)),
    count(sum((s) => s.warnings.filter((w) => w.skipped).length)),
    sum((s) => s.readSeconds).toFixed(1),
    (writeSeconds ?? sum((s) => s.seconds)).toFixed(1),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** A count with thousands separators (12,345), as every progress line and the table write them. */
export function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** Milliseconds as `4 s`, `2 min 5 s`. */
function duration(ms: number): string {
  const seconds = Math.ceil(ms / 1000);
  return seconds < 60 ? `${seconds} s` : `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

/** A Progress that discards everything (library use and tests). */
export const silentProgress: Progress = { update() {}, writing() {}, done() {} };
