// Reading a folder of rule files recursively: relative paths in a stable order, with the text of each file.
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { SourceError } from '../errors.js';
import { decodeSource } from './text.js';

/**
 * One file of a source folder: its path relative to the folder (with `/`), and its text; `notUtf8` says where and
 * why its bytes are not UTF-8 (the text is then decoded with replacement characters, and parsers refuse the file).
 */
export interface SourceFile {
  path: string;
  text: string;
  notUtf8?: { position: string; reason: string };
}

/** A source file from its bytes, decoded once. */
export function sourceFile(relativePath: string, bytes: Buffer): SourceFile {
  const { text, problem } = decodeSource(bytes);
  return { path: relativePath, text, ...(problem ? { notUtf8: problem } : {}) };
}

/** Every file under `root` whose name matches `pattern`, sorted by relative path. Throws SourceError if `root` is no folder. */
export async function readFolder(root: string, pattern: RegExp): Promise<SourceFile[]> {
  const info = await stat(root).catch(() => null);
  if (!info?.isDirectory())
    throw new SourceError(root, 'folder', info ? 'is a file, expected a folder' : 'no such folder');
  const paths: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile() && pattern.test(entry.name)) paths.push(full);
    }
  };
  await walk(root);
  paths.sort();
  return Promise.all(
    paths.map(async (full) => sourceFile(path.relative(root, full).split(path.sep).join('/'), await readFile(full))),
  );
}
