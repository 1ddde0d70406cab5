// The benchmark's CPU accounting from /proc: per thread it adds up to the process, and a JVM's threads by kind.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { cpuSeconds, jvmCpuBetween, jvmThreadKind, threadCpu } from '../../bench/proc.js';

describe('CPU times from /proc', { skip: existsSync('/proc/self/task') ? false : 'no /proc here (not Linux)' }, () => {
  it("a process's threads add up to the process", () => {
    // Burn a tenth of a second on this thread, so that the figures are not all zero.
    for (const started = process.hrtime.bigint(); process.hrtime.bigint() - started < 100_000_000n; );
    const threads = threadCpu(process.pid);
    const process_ = cpuSeconds(process.pid);
    assert.ok(process_ !== null && process_ >= 0.1, String(process_));
    const sum = [...threads.values()].reduce((total, thread) => total + thread.seconds, 0);
    // User and system time are each rounded to a tick (10 ms), per thread and for the process; ended threads count
    // only in the process's figure, and none ended here.
    assert.ok(Math.abs(sum - process_) <= 0.02 * (threads.size + 1), `${sum} against ${process_}`);
    // The main thread is named after the program and did the burning.
    const main = threads.get(String(process.pid));
    assert.ok(main && main.seconds >= 0.1, JSON.stringify(main));
  });

  it("sorts a HotSpot JVM's threads by kind, from the names /proc cuts to 15 characters", () => {
    assert.deepEqual(
      [
        'C2 CompilerThre',
        'C1 CompilerThre',
        'neo4j.BoltWorke',
        'neo4j.BoltNetwo',
        'GC Thread#0',
        'G1 Conc#0',
        'G1 Refine#0',
        'java',
        'VM Thread',
      ].map(jvmThreadKind),
      ['c2', 'c1', 'bolt', 'other', 'gc', 'gc', 'gc', 'other', 'other'],
    );
  });

  it('charges the time between two readings, a thread started in between from zero', () => {
    const before = new Map([
      ['1', { name: 'java', seconds: 5 }],
      ['2', { name: 'C2 CompilerThre', seconds: 1 }],
      ['3', { name: 'neo4j.BoltWorke', seconds: 0.5 }],
    ]);
    const after = new Map([
      ['1', { name: 'java', seconds: 5.25 }],
      ['2', { name: 'C2 CompilerThre', seconds: 4 }],
      ['3', { name: 'neo4j.BoltWorke', seconds: 2.5 }],
      ['4', { name: 'neo4j.BoltWorke', seconds: 1 }],
    ]);
    assert.deepEqual(jvmCpuBetween(before, after), { c2: 3, c1: 0, bolt: 3, gc: 0, other: 0.25 });
  });
});
