/**
 * Vitest global setup shared by every package's database tests: builds the migrated templates once per run.
 * With `TEST_DATABASE_URL` set, an unreachable server fails the run here, loudly, instead of skipping tests.
 */
import type { TestProject } from 'vitest/node';
// Types only: declares `databaseTemplates` in vitest's ProvidedContext (the module itself runs inside tests).
import type {} from '@auditlog/db/testing';
import { prepareTemplates } from './templates.ts';

export default async function setup(project: TestProject) {
  const { info, dispose } = await prepareTemplates();
  project.provide('databaseTemplates', info);
  return dispose;
}
