import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', '.stryker-tmp/**'],
    // Finite-difference checks of the full model take seconds on a loaded 2-core machine.
    testTimeout: 120_000,
  },
});
