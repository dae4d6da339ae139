// Where the suite's own files are: the package root (spec/, fixtures/, the seed texts travel with it) and the
// fixture directory, which TCONF_FIXTURE_DIR can point elsewhere (the command line's own tests use it).
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const FIXTURE_DIR = process.env.TCONF_FIXTURE_DIR ?? join(ROOT, 'fixtures');
export const GOLDEN_DIR = join(FIXTURE_DIR, 'golden');
