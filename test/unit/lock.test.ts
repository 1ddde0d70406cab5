// The benchmark's folder lock: one run per Neo4j folder, a clear refusal while another lives, stale locks taken over.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { lockFolder } from '../../bench/lock.js';

describe('lockFolder', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'coverage-graph-lock-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes its pid next to the folder, and release removes the file once', () => {
    const folder = path.join(dir, 'nested', 'first-seed');
    const lock = lockFolder(folder, 'first seeds');
    assert.equal(lock.file, `${folder}.lock`);
    assert.equal(readFileSync(lock.file, 'utf8'), `${process.pid}\n`);
    lock.release();
    assert.equal(existsSync(lock.file), false);
    // A later holder's file is not removed by an old handle.
    const again = lockFolder(folder, 'first seeds');
    lock.release();
    assert.equal(existsSync(again.file), true);
    again.release();
  });

  it('refuses while a live process holds it, naming the file and the pid, and leaves the file alone', () => {
    const folder = path.join(dir, 'bench');
    // The parent of this test process is alive for as long as this test runs.
    writeFileSync(`${folder}.lock`, `${process.ppid}\n`);
    assert.throws(
      () => lockFolder(folder, "the benchmark's own Neo4j"),
      (error: Error) =>
        error.message.includes(`pid ${process.ppid}`) &&
        error.message.includes(`${folder}.lock`) &&
        error.message.includes("the benchmark's own Neo4j"),
    );
    assert.equal(readFileSync(`${folder}.lock`, 'utf8'), `${process.ppid}\n`);
    rmSync(`${folder}.lock`);
  });

  it("takes over a lock whose process has ended, or that names this process's pid (a pid reused after a kill)", () => {
    const ended = spawnSync(process.execPath, ['-e', '']).pid;
    assert.ok(ended !== undefined && ended > 0);
    const holders: [string, string][] = [
      ['ended', String(ended)],
      ['own', String(process.pid)],
      ['garbage', 'not a pid'],
    ];
    for (const [name, holder] of holders) {
      const folder = path.join(dir, name);
      writeFileSync(`${folder}.lock`, `${holder}\n`);
      const lock = lockFolder(folder, 'first seeds');
      assert.equal(readFileSync(lock.file, 'utf8'), `${process.pid}\n`, name);
      lock.release();
    }
  });
});
