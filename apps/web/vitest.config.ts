import { defineProject } from 'vitest/config';

/** Unexpected console.error and console.warn fail the test (packages/tooling/src/testing/console-guard.ts). */
const setupFiles = ['../../packages/tooling/src/testing/console-guard-setup.ts'];

export default defineProject({
  test: {
    setupFiles,
    name: 'web',
    include: ['test/**/*.test.ts'],
    // One browser at a time: the tests share a machine with the server they drive.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
