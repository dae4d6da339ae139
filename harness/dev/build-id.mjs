// Writes dist/build-id: the sha256 of everything the build compiled and copied (not its cache), which keys every
// code-derived entry of the cache (harness/cache.ts). Run by `npm run build` after compiling, before warming.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const dist = 'dist';
const skipped = new Set(['cache', 'build-id', 'build-stamp', '.build-start']);
const h = createHash('sha256');
const files = readdirSync(dist, { recursive: true, withFileTypes: true })
  .filter((e) => e.isFile())
  .map((e) => join(e.parentPath ?? e.path, e.name))
  .filter((path) => !skipped.has(relative(dist, path).split(/[\\/]/)[0]))
  .sort();
for (const path of files) h.update(`${relative(dist, path)}\0`).update(readFileSync(path));
writeFileSync(join(dist, 'build-id'), h.digest('hex'));
