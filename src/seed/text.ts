// Source files are UTF-8: decoding them, and saying where and why a file is not.
import { SourceError } from '../errors.js';

const BOMS: [number[], string][] = [
  [[0xff, 0xfe, 0x00, 0x00], 'UTF-32 LE'],
  [[0x00, 0x00, 0xfe, 0xff], 'UTF-32 BE'],
  [[0xff, 0xfe], 'UTF-16 LE'],
  [[0xfe, 0xff], 'UTF-16 BE'],
];

/** Where and why bytes are not UTF-8. */
export interface Utf8Problem {
  position: string;
  reason: string;
}

/**
 * The text of `bytes` (a UTF-8 byte order mark dropped) in one decoding, and the problem when they are not UTF-8:
 * a byte order mark of UTF-16 or UTF-32 is named as such; otherwise the first byte that breaks UTF-8, by line and
 * offset. With a problem, the text is decoded with replacement characters.
 */
export function decodeSource(bytes: Uint8Array): { text: string; problem: Utf8Problem | null } {
  const lenient = () => Buffer.from(bytes).toString('utf8');
  for (const [mark, name] of BOMS) {
    if (mark.every((byte, i) => bytes[i] === byte)) {
      const reason = `not UTF-8: the file starts with a ${name} byte order mark (save it as UTF-8)`;
      return { text: lenient(), problem: { position: 'byte 0', reason } };
    }
  }
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), problem: null };
  } catch {
    const offset = firstInvalidByte(bytes);
    let line = 1;
    for (let i = 0; i < offset; i++) if (bytes[i] === 0x0a) line++;
    const hex = (bytes[offset] ?? 0).toString(16).toUpperCase().padStart(2, '0');
    return {
      text: lenient(),
      problem: {
        position: `line ${line}, byte ${offset}`,
        reason: `not valid UTF-8 (byte 0x${hex}; Latin-1 or Windows-1252 text?): save the file as UTF-8`,
      },
    };
  }
}

/** Why `bytes` are not UTF-8, with where; null when they are. */
export function utf8Problem(bytes: Uint8Array): Utf8Problem | null {
  return decodeSource(bytes).problem;
}

/** The text of a source file (a UTF-8 byte order mark dropped); SourceError naming file and position otherwise. */
export function decodeUtf8(bytes: Buffer | string, file: string): string {
  if (typeof bytes === 'string') return bytes;
  const { text, problem } = decodeSource(bytes);
  if (problem) throw new SourceError(file, problem.position, problem.reason);
  return text;
}

const CHUNK = 64 * 1024;

/**
 * The offset of the first byte of the first sequence that is not UTF-8 (bytes known not to be). Chunks are decoded
 * whole until one fails; that chunk is then gone through byte by byte, from the start of the character that spans
 * into it, so a bad byte near the end of a large file costs one pass, not one call per byte.
 */
function firstInvalidByte(bytes: Uint8Array): number {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let from = bytes.length;
  for (let start = 0; start < bytes.length; start += CHUNK) {
    try {
      decoder.decode(bytes.subarray(start, start + CHUNK), { stream: true });
    } catch {
      from = start;
      break;
    }
  }
  if (from === bytes.length) {
    // Every chunk passed: a character cut short by the end of the file; start with the last chunk.
    from = Math.max(0, bytes.length - (bytes.length % CHUNK || CHUNK));
  }
  // Back to the lead byte of a character that started before the chunk (at most 3 bytes back).
  for (let back = 1; back <= 3 && from - back >= 0; back++) {
    const byte = bytes[from - back] ?? 0;
    if ((byte & 0xc0) !== 0x80) {
      if (byte >= 0xc0) from -= back;
      break;
    }
  }
  const single = new TextDecoder('utf-8', { fatal: true });
  // Where the character being decoded began, while the decoder waits for the rest of it.
  let pending: number | null = null;
  for (let i = from; i < bytes.length; i++) {
    try {
      const out = single.decode(bytes.subarray(i, i + 1), { stream: true });
      pending = out === '' ? (pending ?? i) : null;
    } catch {
      // A lead byte whose sequence breaks off is the culprit; otherwise the byte itself (a stray continuation).
      return pending ?? i;
    }
  }
  return pending ?? bytes.length;
}
