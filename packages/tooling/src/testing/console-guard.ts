/**
 * The console guard: a test that calls `console.error` or `console.warn` unexpectedly fails (wired by the setup file
 * console-guard-setup.ts, which every vitest project lists): a warning nobody reads is a bug nobody fixes. A test
 * that means to log says so first:
 *
 *   expectConsole('error', /could not connect/);   // must happen during this test, at least once
 *   allowConsole('warn', /deprecated/);            // may happen during this test
 *
 * Output is still printed, so a failing test shows what it logged. Calls outside any test (in beforeAll, afterAll or
 * at import) fail the file's last hook, naming the call. The guard wraps the console methods itself rather than with
 * `vi.spyOn`, so a test's `vi.restoreAllMocks()` cannot turn it off.
 */
export type GuardedLevel = 'error' | 'warn';
const LEVELS: readonly GuardedLevel[] = ['error', 'warn'];

interface Permission {
  level: GuardedLevel;
  pattern: RegExp;
  /** The test fails unless a call matched. */
  required: boolean;
  matched: number;
}

interface Unexpected {
  level: GuardedLevel;
  text: string;
  /** Where the call came from (the stack without this file's frames). */
  where: string;
}

interface GuardState {
  inTest: boolean;
  permissions: Permission[];
  unexpected: Unexpected[];
  outsideTests: Unexpected[];
}

const state: GuardState = { inTest: false, permissions: [], unexpected: [], outsideTests: [] };

/** The text a console call prints: strings as they are, errors by their message, the rest as JSON where possible. */
export function consoleText(args: readonly unknown[]): string {
  return args
    .map((arg) => {
      if (typeof arg === 'string') return arg;
      if (arg instanceof Error) return `${arg.name}: ${arg.message}`;
      try {
        return JSON.stringify(arg) ?? String(arg);
      } catch {
        return String(arg);
      }
    })
    .join(' ');
}

function callSite(): string {
  const lines = (new Error().stack ?? '').split('\n').slice(1);
  return lines
    .filter((line) => !line.includes('console-guard'))
    .slice(0, 4)
    .map((line) => line.trim())
    .join('\n    ');
}

/** Records a console call; returns whether the running test allowed it. Exported for the guard's own tests. */
export function noteConsoleCall(level: GuardedLevel, args: readonly unknown[]): boolean {
  const text = consoleText(args);
  const permission = state.permissions.find((p) => p.level === level && p.pattern.test(text));
  if (state.inTest && permission) {
    permission.matched += 1;
    return true;
  }
  (state.inTest ? state.unexpected : state.outsideTests).push({ level, text, where: callSite() });
  return false;
}

/** Wraps the console methods; returns a function that puts the originals back. */
/* eslint-disable no-console -- the guard is what replaces the console's methods */
export function installConsoleGuard(): () => void {
  const originals = LEVELS.map((level) => [level, console[level]] as const);
  for (const [level, original] of originals) {
    console[level] = (...args: unknown[]) => {
      noteConsoleCall(level, args);
      original.apply(console, args);
    };
  }
  return () => {
    for (const [level, original] of originals) console[level] = original;
  };
}
/* eslint-enable no-console */

function permit(level: GuardedLevel, pattern: RegExp, required: boolean): void {
  if (!state.inTest) throw new Error(`${required ? 'expectConsole' : 'allowConsole'}() is for use inside a test.`);
  state.permissions.push({ level, pattern, required, matched: 0 });
}

/** The running test must call `console[level]` with text matching `pattern` (and may, as often as it does). */
export function expectConsole(level: GuardedLevel, pattern: RegExp): void {
  permit(level, pattern, true);
}

/** The running test may call `console[level]` with text matching `pattern`. */
export function allowConsole(level: GuardedLevel, pattern: RegExp): void {
  permit(level, pattern, false);
}

const describeCalls = (calls: readonly Unexpected[]) =>
  calls.map((call) => `  console.${call.level}: ${call.text.slice(0, 500)}\n    at ${call.where}`).join('\n');

/** What is wrong with the test that just ran, or null; clears the test's state. Exported for the guard's tests. */
export function endTest(): string | null {
  const problems: string[] = [];
  if (state.unexpected.length > 0) {
    problems.push(
      `Unexpected console output (fix its cause, or declare it with expectConsole/allowConsole):\n${describeCalls(state.unexpected)}`,
    );
  }
  for (const permission of state.permissions) {
    if (permission.required && permission.matched === 0) {
      problems.push(`Expected console.${permission.level} matching ${permission.pattern}, but none came.`);
    }
  }
  state.inTest = false;
  state.permissions = [];
  state.unexpected = [];
  return problems.length > 0 ? problems.join('\n') : null;
}

export function startTest(): void {
  state.inTest = true;
  state.permissions = [];
  state.unexpected = [];
}

/** Calls made outside any test since the last check, described, or null; clears them. */
export function endFile(): string | null {
  const calls = state.outsideTests;
  state.outsideTests = [];
  return calls.length > 0
    ? `Unexpected console output outside any test (in a hook or at import):\n${describeCalls(calls)}`
    : null;
}
