// Reading a source given as a local path or an https URL into memory, with errors that name it.
import { readFile, stat } from 'node:fs/promises';
import { SourceError } from '../errors.js';

/** Largest source accepted, in bytes: ATT&CK enterprise is about 40 MB. */
export const MAX_SOURCE_BYTES = 512 * 1024 * 1024;

/** Whether `location` is a URL (https, or http for local mirrors) rather than a path. */
export function isUrl(location: string): boolean {
  return /^https?:\/\//i.test(location);
}

/** Reads a file or downloads a URL. Throws SourceError naming the location and the reason. */
export async function fetchSource(location: string): Promise<Buffer> {
  if (!isUrl(location)) {
    try {
      const { size } = await stat(location);
      if (size > MAX_SOURCE_BYTES) {
        throw new SourceError(location, 'file', `too large: ${size} bytes, at most ${MAX_SOURCE_BYTES}`);
      }
      return await readFile(location);
    } catch (error) {
      if (error instanceof SourceError) throw error;
      const code = (error as NodeJS.ErrnoException).code;
      const reason =
        code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder, expected a file' : String(error);
      throw new SourceError(location, 'file', reason);
    }
  }
  let response: Response;
  try {
    response = await fetch(location, { redirect: 'follow', signal: AbortSignal.timeout(300_000) });
  } catch (error) {
    throw new SourceError(location, 'download', `cannot download: ${(error as Error).message}`);
  }
  if (!response.ok) throw new SourceError(location, 'download', `HTTP ${response.status} ${response.statusText}`);
  const length = Number(response.headers.get('content-length') ?? 0);
  if (length > MAX_SOURCE_BYTES) throw new SourceError(location, 'download', `too large: ${length} bytes`);
  return Buffer.from(await response.arrayBuffer());
}
