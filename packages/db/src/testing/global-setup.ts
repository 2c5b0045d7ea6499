/**
 * Vitest global setup shared by every package's database tests: builds the migrated templates once per run.
 * With `TEST_DATABASE_URL` set, an unreachable server fails the run here, loudly, instead of skipping tests.
 */
import type { TestProject } from 'vitest/node';
import { prepareTemplates } from './template.ts';

export default async function setup(project: TestProject) {
  const { info, dispose } = await prepareTemplates();
  project.provide('databaseTemplates', info);
  return dispose;
}
