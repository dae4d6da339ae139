// Implementations by name: `reference`, `tfjs`, `numpy` and `torch` (the Python examples, over the protocol),
// `mutant:NAME` (harness/impls/mutants.ts), `exec:COMMAND ARGS…`.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Implementation } from '../run/implementation.js';
import { ROOT } from '../paths.js';
import type { ProcessOptions } from './process.js';
import { referenceImplementation } from './reference.js';

/** Splits `exec:` words on whitespace, honouring "double" and 'single' quotes; no shell is involved. */
export function splitCommand(s: string): string[] {
  const words: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(s); m; m = re.exec(s)) words.push(m[1] ?? m[2] ?? m[3]);
  return words;
}

/**
 * A python3 that can import `module` (a plain module name such as `numpy` or `torch`): the one on PATH, else
 * Debian's /usr/bin/python3 (where `apt-get install python3-numpy python3-torch` puts them); null if neither can.
 */
export function pythonWith(module: string): string | null {
  if (!/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/.test(module)) throw new Error(`not a Python module name: '${module}'`);
  for (const py of ['python3', '/usr/bin/python3']) {
    const r = spawnSync(py, ['-c', `import ${module}`], { stdio: 'ignore', shell: false });
    if (r.status === 0) return py;
  }
  return null;
}

/** The Python example implementations: the module each needs, its Debian package, and its adapter. */
const PYTHON_EXAMPLES = {
  numpy: { module: 'numpy', debian: 'python3-numpy', script: ['examples', 'python-numpy', 'tconf_numpy.py'] },
  torch: { module: 'torch', debian: 'python3-torch', script: ['examples', 'python-torch', 'tconf_torch.py'] },
} as const;

export const KNOWN = ['reference', 'tfjs', 'numpy', 'torch'] as const;

/**
 * The packages `--impl tfjs` loads that an installed suite does not bring (optional peers, devDependencies in the
 * repository): TF.js itself, and tsx, through which examples/tfjs/model.ts loads TF.js's gradient registrations.
 */
const TFJS_PACKAGES = ['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-cpu', 'tsx'] as const;

/** The TF.js implementation, or, before anything is imported, which packages it lacks and how to install them. */
async function tfjsImplementation(): Promise<Implementation> {
  const require = createRequire(import.meta.url);
  const missing = TFJS_PACKAGES.filter((name) => {
    try {
      require.resolve(name);
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length)
    throw new Error(
      `the tfjs implementation needs ${TFJS_PACKAGES.join(', ').replace(/, (?=[^,]*$)/, ' and ')}: npm install ${missing.join(' ')}`,
    );
  return (await import('../../examples/tfjs/implementation.js')).createTfjsImplementation();
}

/** The options of an implementation run as a process: per-request timeout (ms) and longest line (bytes). */
export type ResolveOptions = Pick<ProcessOptions, 'timeoutMs' | 'maxLineBytes'>;

/** The implementation a `--impl` word names; the mutants, the process transport and TF.js are loaded only when named. */
export async function resolveImplementation(name: string, o: ResolveOptions): Promise<Implementation> {
  if (name === 'reference') return referenceImplementation;
  if (name === 'tfjs') return tfjsImplementation();
  if (name === 'numpy' || name === 'torch') {
    const ex = PYTHON_EXAMPLES[name];
    const py = pythonWith(ex.module);
    if (!py)
      throw new Error(`the ${name} implementation needs a python3 that can import ${ex.module} (Debian: apt-get install ${ex.debian})`);
    const { ProcessImplementation } = await import('./process.js');
    return ProcessImplementation.start([py, join(ROOT, ...ex.script)], { timeoutMs: o.timeoutMs, maxLineBytes: o.maxLineBytes });
  }
  if (name.startsWith('mutant:')) return (await import('./mutants.js')).mutantImplementation(name.slice(7));
  if (name.startsWith('exec:'))
    return (await import('./process.js')).ProcessImplementation.start(splitCommand(name.slice(5)), {
      timeoutMs: o.timeoutMs,
      maxLineBytes: o.maxLineBytes,
    });
  throw new Error(`unknown implementation '${name}' (known: ${KNOWN.join(', ')}, mutant:NAME, exec:COMMAND ARGS)`);
}
