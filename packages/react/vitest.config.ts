import { defineProject } from 'vitest/config';

/** Unexpected console.error and console.warn fail the test (packages/tooling/src/testing/console-guard.ts). */
const setupFiles = ['../tooling/src/testing/console-guard-setup.ts'];

export default defineProject({
  test: {
    setupFiles,
    name: 'react',
    include: ['test/**/*.test.tsx'],
    environment: 'happy-dom',
    // A project config file does not inherit the root's timeouts: a real server on a fresh database needs them.
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
