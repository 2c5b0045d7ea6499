/**
 * The vitest setup file of every project: fails a test that logs to console.error or console.warn without saying it
 * would (console-guard.ts, whose expectConsole/allowConsole a test imports to say so).
 */
import { afterAll, afterEach, beforeEach } from 'vitest';
import { endFile, endTest, installConsoleGuard, startTest } from './console-guard.ts';

// A setup file runs before each test file, in that file's module graph: the guard wraps the console for the file
// and puts it back after, so a worker that runs several files never wraps a wrapper.
const uninstall = installConsoleGuard();

beforeEach(() => {
  startTest();
});

afterEach(() => {
  const problem = endTest();
  if (problem) throw new Error(problem);
});

afterAll(() => {
  uninstall();
  const problem = endFile();
  if (problem) throw new Error(problem);
});
