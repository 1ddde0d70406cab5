// Reading rule files out of a release archive (zip, or tar.gz as GitHub serves them), in memory, with limits.
import path from 'node:path';
import { unzipSync } from 'fflate';
import { Parser } from 'tar';
import { SourceError } from '../errors.js';
import { type SourceFile, sourceFile } from './folder.js';

/** Most bytes the matching files of one archive may hold once unpacked (a guard against archive bombs). */
export const MAX_UNPACKED_BYTES = 512 * 1024 * 1024;

/** Whether a location names an archive rather than a folder. */
export function isArchiveName(location: string): boolean {
  return /\.(zip|tar\.gz|tgz)$/i.test(new URL(location, 'file:///').pathname);
}

/**
 * The files of a zip or tar.gz archive whose name matches `pattern`, sorted by path; a top folder that holds
 * everything (`sigma-master/`) is left out of the paths. Throws SourceError for anything else.
 */
export async function readArchive(bytes: Buffer, location: string, pattern: RegExp): Promise<SourceFile[]> {
  let entries: { path: string; data: Buffer }[];
  if (bytes[0] === 0x50 && bytes[1] === 0x4b) entries = unzip(bytes, location, pattern);
  else if (bytes[0] === 0x1f && bytes[1] === 0x8b) entries = await untar(bytes, location, pattern);
  else throw new SourceError(location, 'start', 'not a zip or tar.gz archive');
  const top = entries[0]?.path.split('/')[0];
  const strip = top !== undefined && entries.every((e) => e.path.startsWith(`${top}/`));
  return entries
    .map((e) => sourceFile(strip ? e.path.slice((top as string).length + 1) : e.path, e.data))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function unzip(bytes: Buffer, location: string, pattern: RegExp): { path: string; data: Buffer }[] {
  let total = 0;
  try {
    const files = unzipSync(new Uint8Array(bytes), {
      filter: (file) => {
        if (file.name.endsWith('/') || !pattern.test(path.posix.basename(file.name))) return false;
        total += file.originalSize;
        if (total > MAX_UNPACKED_BYTES) throw new Error(`unpacks to more than ${MAX_UNPACKED_BYTES} bytes`);
        return true;
      },
    });
    return Object.entries(files).map(([name, data]) => ({ path: name, data: Buffer.from(data) }));
  } catch (error) {
    throw new SourceError(location, 'archive', `cannot read the zip archive: ${(error as Error).message}`);
  }
}

function untar(bytes: Buffer, location: string, pattern: RegExp): Promise<{ path: string; data: Buffer }[]> {
  return new Promise((resolve, reject) => {
    const entries: { path: string; data: Buffer }[] = [];
    let total = 0;
    const fail = (reason: string) =>
      reject(new SourceError(location, 'archive', `cannot read the tar.gz archive: ${reason}`));
    const parser = new Parser({
      strict: true,
      onReadEntry: (entry) => {
        if (entry.type !== 'File' || !pattern.test(path.posix.basename(entry.path))) {
          entry.resume();
          return;
        }
        const chunks: Buffer[] = [];
        entry.on('data', (chunk: Buffer) => {
          total += chunk.length;
          if (total > MAX_UNPACKED_BYTES) fail(`unpacks to more than ${MAX_UNPACKED_BYTES} bytes`);
          chunks.push(chunk);
        });
        entry.on('end', () => entries.push({ path: entry.path, data: Buffer.concat(chunks) }));
      },
    });
    parser.on('error', (error: Error) => fail(error.message));
    parser.on('end', () => resolve(entries));
    parser.end(bytes);
  });
}
