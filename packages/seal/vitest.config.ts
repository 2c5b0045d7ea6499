import { defineProject } from 'vitest/config';

/** Unexpected console.error and console.warn fail the test (packages/tooling/src/testing/console-guard.ts). */
const setupFiles = ['../tooling/src/testing/console-guard-setup.ts'];

export default defineProject({
  test: { setupFiles, name: 'seal', include: ['test/**/*.test.ts'], testTimeout: 120_000, hookTimeout: 60_000 },
});
