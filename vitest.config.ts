import { defineConfig } from 'vitest/config';

/**
 * One run for the whole repository: each package is a project, the migrated database templates are made once.
 * Timeouts live in each project's config: a project config file does not inherit them from here.
 * `VITEST_JSON_REPORT=path` adds a JSON report, which CI reads to print its `N passed, N failed` line.
 */
const jsonReport = process.env.VITEST_JSON_REPORT;

export default defineConfig({
  test: {
    projects: ['packages/*/vitest.config.ts', 'apps/*/vitest.config.ts'],
    globalSetup: ['packages/tooling/src/testing/global-setup.ts'],
    reporters: jsonReport ? ['default', ['json', { outputFile: jsonReport }]] : ['default'],
  },
});
