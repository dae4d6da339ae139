// Where the suite's own files are: the package root (spec/, fixtures/, the seed texts travel with it) and the
// fixture directory, which TCONF_FIXTURE_DIR can point elsewhere (the command line's own tests use it).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The nearest directory above `from` that holds spec/fixture.schema.json: the repository when run from source
 * (harness/), the package root when run from the build (dist/harness/), wherever the package is installed.
 */
export function packageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'spec', 'fixture.schema.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no spec/fixture.schema.json in ${from} or any directory above it`);
  }
}

export const ROOT = packageRoot(fileURLToPath(new URL('.', import.meta.url)));
export const FIXTURE_DIR = process.env.TCONF_FIXTURE_DIR ?? join(ROOT, 'fixtures');
export const GOLDEN_DIR = join(FIXTURE_DIR, 'golden');
/** The seed documents, copied unchanged (fixtures/sources/README.md). */
export const SOURCES_DIR = join(ROOT, 'fixtures', 'sources');
