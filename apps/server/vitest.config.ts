import { defineProject } from 'vitest/config';

/** Unexpected console.error and console.warn fail the test (packages/tooling/src/testing/console-guard.ts). */
const setupFiles = ['../../packages/tooling/src/testing/console-guard-setup.ts'];

export default defineProject({
  test: {
    setupFiles,
    name: 'server',
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
