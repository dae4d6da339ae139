// Implementations by name: `reference`, `tfjs`, `numpy` (the Python example), `mutant:NAME` (harness/impls/mutants.ts),
// `exec:COMMAND ARGS…`.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { Implementation } from '../run/implementation.js';
import { ROOT } from '../paths.js';
import { mutantImplementation } from './mutants.js';
import { ProcessImplementation, type ProcessOptions } from './process.js';
import { referenceImplementation } from './reference.js';

/** Splits `exec:` words on whitespace, honouring "double" and 'single' quotes; no shell is involved. */
export function splitCommand(s: string): string[] {
  const words: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(s); m; m = re.exec(s)) words.push(m[1] ?? m[2] ?? m[3]);
  return words;
}

/** A python3 that has NumPy: the one on PATH, else Debian's /usr/bin/python3. */
export function pythonWithNumpy(): string | null {
  for (const py of ['python3', '/usr/bin/python3']) {
    const r = spawnSync(py, ['-c', 'import numpy'], { stdio: 'ignore', shell: false });
    if (r.status === 0) return py;
  }
  return null;
}

export const KNOWN = ['reference', 'tfjs', 'numpy'] as const;

/** The options of an implementation run as a process: per-request timeout (ms) and longest line (bytes). */
export type ResolveOptions = Pick<ProcessOptions, 'timeoutMs' | 'maxLineBytes'>;

export async function resolveImplementation(name: string, o: ResolveOptions): Promise<Implementation> {
  if (name === 'reference') return referenceImplementation;
  if (name === 'tfjs') return (await import('../../examples/tfjs/implementation.js')).createTfjsImplementation();
  if (name === 'numpy') {
    const py = pythonWithNumpy();
    if (!py) throw new Error('the numpy implementation needs a python3 with NumPy (Debian: apt-get install python3-numpy)');
    return ProcessImplementation.start([py, join(ROOT, 'examples', 'python-numpy', 'tconf_numpy.py')], {
      timeoutMs: o.timeoutMs,
      maxLineBytes: o.maxLineBytes,
    });
  }
  if (name.startsWith('mutant:')) return mutantImplementation(name.slice(7));
  if (name.startsWith('exec:'))
    return ProcessImplementation.start(splitCommand(name.slice(5)), { timeoutMs: o.timeoutMs, maxLineBytes: o.maxLineBytes });
  throw new Error(`unknown implementation '${name}' (known: ${KNOWN.join(', ')}, mutant:NAME, exec:COMMAND ARGS)`);
}
