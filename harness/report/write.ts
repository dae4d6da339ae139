// Writing report files so that no reader ever sees half of one: each file is written to a temporary name in
// the same directory, flushed, then renamed over the old one (a rename within a directory is atomic). While a
// run's set of files is being replaced, a marker file says so; it is removed once the whole set is in place,
// so a marker left behind (a killed run) tells a reader the files beside it may be of two runs.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** Present in a report directory while a run is replacing its reports, or after a run that died doing so. */
export const IN_PROGRESS_FILE = 'tconf-run-in-progress.txt';

/**
 * Creates `dir` and its missing parents one level at a time (Node's recursive mkdir spins forever on some
 * virtual file systems such as /proc), then proves it writable. Throws an Error that says what is wrong.
 */
export function ensureWritableDir(dir: string): void {
  const abs = resolve(dir);
  const missing: string[] = [];
  let at = abs;
  while (!existsSync(at)) {
    missing.unshift(at);
    const up = dirname(at);
    if (up === at) break;
    at = up;
  }
  if (existsSync(at) && !statSync(at).isDirectory()) throw new Error(`${at} is a file, not a directory`);
  for (const d of missing) {
    try {
      mkdirSync(d);
    } catch (e) {
      throw new Error(`cannot create ${d} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
  }
  const probe = join(abs, `.tconf-write-probe-${process.pid}`);
  try {
    writeFileDurably(probe, '');
    rmSync(probe, { force: true });
  } catch (e) {
    throw new Error(`cannot write in ${abs} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

function writeFileDurably(path: string, text: string): void {
  const fd = openSync(path, 'w');
  try {
    // given a descriptor and a string, Node encodes and writes it whole in C++ (no Buffer of it in between)
    writeFileSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Writes one file atomically: a reader sees the old content or the new, never a mix or a truncation. */
export function writeFileAtomically(path: string, text: string): void {
  const tmp = join(dirname(path), `.${process.pid}.${Date.now()}.tmp`);
  try {
    writeFileDurably(tmp, text);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

const markerText = (note: string) =>
  `${note}\nWhile this file exists the reports beside it are not this run's: they are an earlier run's, or, if the run was killed while writing them, a mix of two runs.\n`;

/** Says, before a run starts, that the reports in `dir` are about to be replaced (and are stale until then). */
export function markRunStarted(dir: string, note: string): void {
  writeFileAtomically(join(dir, IN_PROGRESS_FILE), markerText(note));
}

/** A run that stopped before writing anything (a usage error, say) left the previous set whole: says so. */
export function clearRunMarker(dir: string): void {
  rmSync(join(dir, IN_PROGRESS_FILE), { force: true });
}

/**
 * Writes a set of files into `dir`: every file to a temporary name first (so a failure while rendering or
 * writing leaves the old set untouched), then the renames, bracketed by the in-progress marker.
 */
export function writeFileSet(dir: string, files: Array<[name: string, text: string]>, note: string): string[] {
  // the time writing takes, for `npm run bench suite` (one pair of marks per process, however many sets it writes)
  performance.clearMarks('tconf:writing');
  performance.clearMarks('tconf:written');
  performance.mark('tconf:writing');
  // The marker is staged with the files. All are written before the first is flushed (the flushes then cost less
  // than one wait after each write), and nothing is renamed before all are flushed.
  const staged: Array<[tmp: string, path: string]> = [];
  const descriptors: number[] = [];
  try {
    try {
      for (const [name, text] of [[IN_PROGRESS_FILE, markerText(note)], ...files]) {
        const tmp = join(dir, `.${name}.${process.pid}.tmp`);
        const fd = openSync(tmp, 'w');
        descriptors.push(fd);
        staged.push([tmp, join(dir, name)]);
        writeFileSync(fd, text);
      }
      for (const fd of descriptors) fsyncSync(fd);
    } finally {
      for (const fd of descriptors) closeSync(fd);
    }
    // the marker first: while it is there, the reports beside it may be of two runs
    for (const [tmp, path] of staged) renameSync(tmp, path);
    rmSync(staged[0][1], { force: true });
  } catch (e) {
    for (const [tmp] of staged) rmSync(tmp, { force: true });
    throw e;
  }
  performance.mark('tconf:written');
  return staged.slice(1).map(([, path]) => path);
}
