import { defineProject } from 'vitest/config';

/** Unexpected console.error and console.warn fail the test (packages/tooling/src/testing/console-guard.ts). */
const setupFiles = ['../../packages/tooling/src/testing/console-guard-setup.ts'];

export default defineProject({
  test: {
    setupFiles,
    name: 'bench',
    include: ['test/**/*.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 60_000,
  },
});
