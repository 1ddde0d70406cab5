// Copies the coverage page's static files (HTML, CSS) next to its compiled script in dist/web.
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const out = path.join(root, 'dist', 'web');
mkdirSync(out, { recursive: true });
for (const name of ['index.html', 'coverage.css'])
  copyFileSync(path.join(root, 'src', 'web', name), path.join(out, name));
