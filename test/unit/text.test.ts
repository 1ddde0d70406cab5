// Source files must be UTF-8: where and why a file is not, and the text of one that is.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SourceError } from '../../src/errors.js';
import { decodeUtf8, utf8Problem } from '../../src/seed/text.js';

describe('UTF-8 source files', () => {
  it('finds the first byte of the first sequence that is not UTF-8, with its line', () => {
    // "a\nb", then é in Latin-1 (0xE9, a lead byte whose sequence breaks off at the quote), then more text.
    assert.deepEqual(utf8Problem(Buffer.from([0x61, 0x0a, 0x62, 0xe9, 0x22, 0x63]))?.position, 'line 2, byte 3');
    assert.match(utf8Problem(Buffer.from([0x61, 0x0a, 0x62, 0xe9, 0x22]))?.reason ?? '', /byte 0xE9/);
    // A stray continuation byte, and a sequence cut short by the end of the file.
    assert.equal(utf8Problem(Buffer.from([0x61, 0x80, 0x62]))?.position, 'line 1, byte 1');
    assert.equal(utf8Problem(Buffer.from([0x61, 0xe2, 0x82]))?.position, 'line 1, byte 1');
  });

  it('finds a bad byte far into a large file, and one whose character spans a 64 KiB boundary', () => {
    const far = Buffer.concat([Buffer.alloc(200_000, 0x61), Buffer.from([0x0a, 0xe9, 0x22])]);
    assert.equal(utf8Problem(far)?.position, 'line 2, byte 200001');
    // "€" (3 bytes) cut after 2, its first byte the last of the first 64 KiB.
    const split = Buffer.concat([Buffer.alloc(65_535, 0x61), Buffer.from([0xe2, 0x82, 0x41])]);
    assert.equal(utf8Problem(split)?.position, 'line 1, byte 65535');
    // A valid "€" across the boundary, then a stray continuation byte.
    const valid = Buffer.concat([Buffer.alloc(65_535, 0x61), Buffer.from('€'), Buffer.from([0x80])]);
    assert.equal(utf8Problem(valid)?.position, `line 1, byte ${65_535 + 3}`);
  });

  it('names UTF-16 and UTF-32 byte order marks', () => {
    assert.match(utf8Problem(Buffer.from('\ufeffx', 'utf16le'))?.reason ?? '', /UTF-16 LE byte order mark/);
    assert.match(utf8Problem(Buffer.from([0xfe, 0xff, 0, 0x78]))?.reason ?? '', /UTF-16 BE/);
    assert.match(utf8Problem(Buffer.from([0xff, 0xfe, 0, 0, 0x78, 0, 0, 0]))?.reason ?? '', /UTF-32 LE/);
  });

  it('decodes UTF-8, dropping a byte order mark, and throws a SourceError naming the file otherwise', () => {
    assert.equal(utf8Problem(Buffer.from('ok € 漢字 💥')), null);
    assert.equal(decodeUtf8(Buffer.from('\ufeffT1550 €'), 'f.json'), 'T1550 €');
    assert.throws(
      () => decodeUtf8(Buffer.from([0x7b, 0xe9, 0x7d]), 'bundle.json'),
      (error: unknown) =>
        error instanceof SourceError && error.message.startsWith('bundle.json: line 1, byte 1: not valid UTF-8'),
    );
  });
});
