// Seeder feedback: the live bar on a terminal, plain lines otherwise, and the final table.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { seedTable, terminalProgress } from '../../src/seed/progress.js';

/** A stream that records what is written, a terminal or not, and a clock the test sets. */
function capture(isTTY: boolean) {
  const written: string[] = [];
  const stream = { isTTY, write: (text: string) => written.push(text) > 0 } as unknown as NodeJS.WriteStream;
  let time = 0;
  return {
    stream,
    written,
    at: (ms: number) => {
      time = ms;
    },
    clock: () => time,
  };
}

describe('terminalProgress', () => {
  it('draws a bar with count, percentage, rate and time left on a terminal, at most every 100 ms', () => {
    const out = capture(true);
    const progress = terminalProgress(out.stream, out.clock);
    out.at(1000);
    progress.writing('atomic', 0, 1000);
    out.at(2000);
    progress.writing('atomic', 500, 1000);
    // 500 objects in 1 s: 500/s, 500 left, so 1 s.
    assert.equal(
      out.written.at(-1),
      '\r\x1b[2Katomic [############------------]  50% 500/1,000 written  500/s  ETA 1 s',
    );
    const drawn = out.written.length;
    out.at(2050);
    progress.writing('atomic', 510, 1000);
    assert.equal(out.written.length, drawn, 'not redrawn within 100 ms');
    out.at(2060);
    progress.writing('atomic', 1000, 1000);
    assert.match(out.written.at(-1) ?? '', /\[#{24}\] 100% 1,000\/1,000 written {2}943\/s {2}ETA 0 s$/);
    progress.done('atomic: 10 nodes');
    assert.equal(out.written.at(-1), '\r\x1b[2Katomic: 10 nodes\n', 'a done line replaces the bar');
  });

  it('names every source being written, with its percentage, while several are written at once', () => {
    const out = capture(true);
    const progress = terminalProgress(out.stream, out.clock);
    out.at(0);
    progress.writing('attack:enterprise-attack', 0, 1000);
    out.at(200);
    progress.writing('sigma:sigmahq', 0, 400);
    assert.equal(out.written.at(-1), '\r\x1b[2Ksigma:sigmahq 0% · attack:enterprise-attack 0%');
    out.at(400);
    progress.writing('attack:enterprise-attack', 250, 1000);
    assert.equal(out.written.at(-1), '\r\x1b[2Kattack:enterprise-attack 25% · sigma:sigmahq 0%');
    out.at(600);
    progress.writing('sigma:sigmahq', 400, 400);
    assert.equal(out.written.at(-1), '\r\x1b[2Ksigma:sigmahq 100% · attack:enterprise-attack 25%');
    progress.done('sigma:sigmahq: done');
    out.at(800);
    progress.writing('attack:enterprise-attack', 500, 1000);
    assert.ok(
      out.written
        .at(-1)
        ?.startsWith('\r\x1b[2Kattack:enterprise-attack [############------------]  50% 500/1,000 written'),
      'one source left: its full bar again',
    );
  });

  it('prints plain lines when not a terminal: the start of a write, every 5 s while it runs, the done lines', () => {
    const out = capture(false);
    const progress = terminalProgress(out.stream, out.clock);
    progress.update('sigma', 'reading and parsing');
    assert.deepEqual(out.written, [], 'statuses are for terminals only');
    out.at(0);
    progress.writing('sigma', 0, 1000);
    out.at(4000);
    progress.writing('sigma', 400, 1000);
    out.at(6000);
    progress.writing('sigma', 600, 1000);
    out.at(7000);
    progress.writing('sigma', 700, 1000);
    out.at(8000);
    progress.writing('sigma', 1000, 1000);
    progress.done('sigma: done');
    assert.deepEqual(out.written, [
      'sigma: writing 1,000 parsed objects\n',
      // 600 in 6 s: 100/s, 400 left: 4 s.
      'sigma: 600 of 1,000 written (60%), 100/s, about 4 s left\n',
      'sigma: done\n',
    ]);
  });
});

describe('seedTable', () => {
  it('lists each source and the totals in aligned columns', () => {
    const table = seedTable([
      {
        scope: 'attack:enterprise-attack',
        parsed: 25000,
        nodes: 5000,
        edges: 20000,
        removedNodes: 2,
        removedEdges: 3,
        warnings: [],
        readSeconds: 0.54,
        seconds: 5.26,
      },
      {
        scope: 'sigma:sigmahq',
        parsed: 3000,
        nodes: 3000,
        edges: 0,
        removedNodes: 0,
        removedEdges: 0,
        warnings: [{ skipped: true }, {}, { skipped: false }],
        readSeconds: 0.8,
        seconds: 0.9,
      },
    ]);
    const lines = table.split('\n');
    assert.equal(lines.length, 5);
    const cells = lines.map((line) => line.trim().split(/\s{2,}/));
    assert.deepEqual(cells[0], [
      'source',
      'parsed',
      'nodes',
      'edges',
      'retired',
      'warnings',
      'skipped files',
      'read s',
      'write s',
    ]);
    assert.deepEqual(cells[2], ['attack:enterprise-attack', '25,000', '5,000', '20,000', '5', '0', '0', '0.5', '5.3']);
    assert.deepEqual(cells[3], ['sigma:sigmahq', '3,000', '3,000', '0', '0', '3', '1', '0.8', '0.9']);
    assert.deepEqual(cells[4], ['total', '28,000', '8,000', '20,000', '5', '3', '1', '1.3', '6.2']);
    // Every line as wide as the header: columns line up.
    assert.equal(new Set(lines.map((line) => line.length)).size, 1);
  });
});
