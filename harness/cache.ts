// The cache of what is costly to derive at every start (compiled schema validators, parsed and checked fixtures,
// parsed golden files, the documents' audit). Every entry is keyed by what it was derived from, so a stale entry
// is never used: the bytes it came from (their sha256), and for anything the code computes, the code itself
// (`codeId`): a changed module, dependency or Node version makes every such entry be derived afresh.
import { createHash } from 'node:crypto';
import { type Dirent, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT } from './paths.js';

/** Running from the build (dist/): an installed package, or a checkout's fresh build. */
export const FROM_BUILD = relative(ROOT, fileURLToPath(import.meta.url)).split(sep)[0] === 'dist';
/**
 * Where derived data is kept: beside the build when running from it (it ships, and an installed package is never
 * written to: only `npm run build` fills it, naming the directory in TCONF_CACHE_DIR), else in node_modules/.cache.
 */
export const CACHE_DIR =
  (process.env.TCONF_CACHE_DIR && resolve(process.env.TCONF_CACHE_DIR)) ??
  (FROM_BUILD ? join(ROOT, 'dist', 'cache') : join(ROOT, 'node_modules', '.cache', 'tconf'));
const WRITABLE = process.env.TCONF_CACHE_DIR !== undefined || !FROM_BUILD;

/** The hex sha256 of some strings, each length-prefixed (so that no two lists of parts hash alike). */
export const sha256 = (...parts: Array<string | Uint8Array>): string => {
  const h = createHash('sha256');
  for (const p of parts) h.update(`${p.length}:`).update(p);
  return h.digest('hex');
};

/** A cache file's content if it exists, else null. */
export function readCached(name: string): Buffer | null {
  try {
    return readFileSync(join(CACHE_DIR, name));
  } catch {
    return null;
  }
}

/** Writes a cache file atomically (concurrent runs each write whole files); a cache that cannot be written is no error. */
export function writeCached(name: string, data: string | Uint8Array): void {
  if (!WRITABLE) return;
  const file = join(CACHE_DIR, name);
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`; // unique per thread too
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(tmp, data);
    renameSync(tmp, file);
  } catch {
    rmSync(tmp, { force: true });
  }
}

/** The build's identity, in dist/: written by `npm run build` (harness/dev/build-id.mjs), the sha256 of what it built. */
const BUILD_ID_FILE = 'build-id';
/** What the code's identity covers in a checkout: the sources, the specification, and the installed dependencies. */
const SOURCE_DIRS = ['harness', 'reference', 'train', 'spec'];
const SOURCE_FILES = ['package.json', 'package-lock.json', 'node_modules/.package-lock.json'];

/**
 * The identity of the code below `root` that derives cached values (not Node's version: what it computes does not
 * depend on it, and a cache file an older Node cannot read is derived afresh). From the build: its build id (a
 * build without one caches nothing code-derived: a fresh random id). The build's cache ships with it (derived by
 * `npm run build` from the package's own files, like its golden values), so it is used whatever versions of the
 * dependencies npm resolved beside an installed package. From a checkout's sources: every source file's path, size
 * and modification time, and the lock files (npm rewrites node_modules/.package-lock.json on every install), so an
 * edit anywhere derives everything afresh.
 */
export function codeIdentity(root: string, fromBuild: boolean): string {
  const parts: string[] = [];
  if (fromBuild) {
    try {
      parts.push(readFileSync(join(root, 'dist', BUILD_ID_FILE), 'utf8'));
    } catch {
      parts.push(`no build id: ${Math.random()}`);
    }
    return sha256(...parts);
  }
  const stamp = (path: string) => {
    try {
      const s = statSync(path);
      parts.push(`${relative(root, path)} ${s.size} ${s.mtimeMs}`);
    } catch {
      parts.push(`${relative(root, path)} absent`);
    }
  };
  for (const f of SOURCE_FILES) stamp(join(root, f));
  for (const dir of SOURCE_DIRS) {
    let entries: Dirent[] = [];
    try {
      entries = readdirSync(join(root, dir), { recursive: true, withFileTypes: true });
    } catch {
      parts.push(`${dir}/ absent`);
    }
    for (const path of entries
      .filter((e) => e.isFile() && !e.name.endsWith('.test.ts'))
      .map((e) => join(e.parentPath ?? (e as unknown as { path: string }).path, e.name))
      .sort())
      stamp(path);
  }
  return sha256(...parts);
}

let code: string | undefined;
/** The identity of this package's code (codeIdentity of the package root), computed once per process. */
export const codeId = (): string => (code ??= codeIdentity(ROOT, FROM_BUILD));
