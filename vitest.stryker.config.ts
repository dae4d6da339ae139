// Vitest settings for mutation testing only (npm run mutation, see stryker.config.json); `npm test` uses
// vitest.config.ts. Only the reference's tests run, the cheap unit tests first (Stryker stops a mutant at its first
// failing test), with timeouts for code instrumented by Stryker (several times slower), and TCONF_MUTATION=1, which
// makes the whole-model gradient checks of reference/model.test.ts smaller (see there).
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** Test files run last, in this order: the slow cross-checks against TF.js and the whole-model gradient checks. */
const LAST = ['reference/tfjs.test.ts', 'reference/model.test.ts'];

class CheapFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (f: TestSpecification) => LAST.findIndex((name) => f.moduleId.endsWith(name));
    return [...files].sort((a, b) => rank(a) - rank(b) || a.moduleId.localeCompare(b.moduleId));
  }
}

export default defineConfig({
  test: {
    include: ['reference/**/*.test.ts'],
    exclude: ['node_modules/**', '.stryker-tmp/**'],
    testTimeout: 1_800_000,
    env: { TCONF_MUTATION: '1' },
    sequence: { sequencer: CheapFirst },
  },
});
