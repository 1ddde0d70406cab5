// Source files are UTF-8: decoding them, and saying where and why a file is not.
import { SourceError } from '../errors.js';

const BOMS: [number[], string][] = [
  [[0xff, 0xfe, 0x00, 0x00], 'UTF-32 LE'],
  [[0x00, 0x00, 0xfe, 0xff], 'UTF-32 BE'],
  [[0xff, 0xfe], 'UTF-16 LE'],
  [[0xfe, 0xff], 'UTF-16 BE'],
];

/**
 * Why `bytes` are not UTF-8, with where: `{ position, reason }`; null when they are. A byte order mark of UTF-16 or
 * UTF-32 is named as such; otherwise the first byte that breaks UTF-8 is found by line and byte offset.
 */
export function utf8Problem(bytes: Uint8Array): { position: string; reason: string } | null {
  for (const [mark, name] of BOMS) {
    if (mark.every((byte, i) => bytes[i] === byte)) {
      return {
        position: 'byte 0',
        reason: `not UTF-8: the file starts with a ${name} byte order mark (save it as UTF-8)`,
      };
    }
  }
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return null;
  } catch {
    const offset = firstInvalidByte(bytes);
    let line = 1;
    for (let i = 0; i < offset; i++) if (bytes[i] === 0x0a) line++;
    const hex = (bytes[offset] ?? 0).toString(16).toUpperCase().padStart(2, '0');
    return {
      position: `line ${line}, byte ${offset}`,
      reason: `not valid UTF-8 (byte 0x${hex}; Latin-1 or Windows-1252 text?): save the file as UTF-8`,
    };
  }
}

/** The text of a source file (a UTF-8 byte order mark dropped); SourceError naming file and position otherwise. */
export function decodeUtf8(bytes: Buffer | string, file: string): string {
  if (typeof bytes === 'string') return bytes;
  const problem = utf8Problem(bytes);
  if (problem) throw new SourceError(file, problem.position, problem.reason);
  const text = bytes.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** The offset of the first byte of the first sequence that is not UTF-8 (bytes known not to be valid UTF-8). */
function firstInvalidByte(bytes: Uint8Array): number {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  // Where the character being decoded began, while the decoder waits for the rest of it.
  let pending: number | null = null;
  for (let i = 0; i < bytes.length; i++) {
    try {
      const out = decoder.decode(bytes.subarray(i, i + 1), { stream: true });
      pending = out === '' ? (pending ?? i) : null;
    } catch {
      // A lead byte whose sequence breaks off is the culprit; otherwise the byte itself (a stray continuation).
      return pending ?? i;
    }
  }
  return pending ?? bytes.length;
}
