/**
 * The console guard (src/testing/console-guard.ts) fails what it should and only that: fixture files run in a vitest
 * of their own, with the guard as their setup file, and their JSON report says which tests failed and why.
 */
import { execFile } from 'node:child_process';
import { access, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { consoleText } from '../src/testing/console-guard.ts';

interface Report {
  testResults: {
    name: string;
    status: string;
    message: string;
    assertionResults: { title: string; status: string; failureMessages: string[] }[];
  }[];
}

const FIXTURES = path.resolve(import.meta.dirname, 'fixtures/console-guard');
const ROOT = path.resolve(import.meta.dirname, '../../..');
const vitestBin = path.join(path.dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs');

async function runFixtures(): Promise<Report> {
  const dir = await mkdtemp(path.join(tmpdir(), 'console-guard-'));
  const outputFile = path.join(dir, 'report.json');
  try {
    // The fixtures fail on purpose: a non-zero exit is expected, the report says the rest.
    await promisify(execFile)(
      process.execPath,
      [vitestBin, 'run', '--root', FIXTURES, '--reporter=json', `--outputFile=${outputFile}`],
      { env: { ...process.env, VITEST_JSON_REPORT: '' }, timeout: 60_000 },
    ).catch((error: unknown) => error);
    return JSON.parse(await readFile(outputFile, 'utf8')) as Report;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('the console guard', { timeout: 90_000 }, () => {
  let report: Promise<Report> | undefined;
  const fixtureRun = () => (report ??= runFixtures());

  const outcomes = async () => {
    const file = (await fixtureRun()).testResults.find((result) => result.name.endsWith('in-tests.fixture.ts'));
    if (!file) throw new Error('the fixture run reported no in-tests.fixture.ts');
    return new Map(file.assertionResults.map((test) => [test.title, test]));
  };

  it.each([
    { test: 'quiet', status: 'passed' },
    { test: 'unexpected error', status: 'failed', message: /Unexpected console output[\s\S]*console\.error: boom/ },
    { test: 'unexpected warn', status: 'failed', message: /console\.warn: careful/ },
    { test: 'expected error that comes', status: 'passed' },
    { test: 'expected error that never comes', status: 'failed', message: /Expected console\.error matching/ },
    {
      test: 'expected error, and another one that was not',
      status: 'failed',
      message: /console\.error: something else entirely/,
    },
    { test: 'allowed warn that does not come', status: 'passed' },
    { test: 'permission from the previous test does not carry over', status: 'failed', message: /deprecated/ },
  ])('$test: $status', async ({ test, status, message }) => {
    const result = (await outcomes()).get(test);
    expect(result?.status, `fixture "${test}"`).toBe(status);
    if (message) expect(result?.failureMessages.join('\n')).toMatch(message);
  });

  it('fails the file when a hook logs outside any test, naming the call', async () => {
    const file = (await fixtureRun()).testResults.find((result) => result.name.endsWith('in-hooks.fixture.ts'));
    expect(file?.assertionResults.map((test) => test.status)).toEqual(['passed']);
    expect(file?.status).toBe('failed');
    expect(file?.message).toMatch(/outside any test[\s\S]*logged while setting up/);
  });

  it.each([
    { name: 'strings as they are', args: ['a', 'b'], text: 'a b' },
    { name: 'errors by name and message', args: [new TypeError('bad')], text: 'TypeError: bad' },
    { name: 'objects as JSON', args: [{ a: 1 }], text: '{"a":1}' },
    {
      name: 'cycles as String()',
      args: [
        (() => {
          const o: Record<string, unknown> = {};
          o.o = o;
          return o;
        })(),
      ],
      text: '[object Object]',
    },
  ])('matches patterns against the printed text: $name', ({ args, text }) => {
    expect(consoleText(args)).toBe(text);
  });

  it('is the setup file of every project the root config runs', async () => {
    const root = await readFile(path.join(ROOT, 'vitest.config.ts'), 'utf8');
    expect(root).toContain("projects: ['packages/*/vitest.config.ts', 'apps/*/vitest.config.ts']");
    const configs: string[] = [];
    for (const folder of ['packages', 'apps']) {
      for (const name of await readdir(path.join(ROOT, folder))) {
        const config = `${folder}/${name}/vitest.config.ts`;
        const exists = await access(path.join(ROOT, config)).then(
          () => true,
          () => false,
        );
        if (exists) configs.push(config);
      }
    }
    expect(configs.length).toBeGreaterThanOrEqual(8);
    for (const config of configs) {
      const text = await readFile(path.join(ROOT, config), 'utf8');
      const listed = /const setupFiles = \['([^']+)'\]/.exec(text)?.[1];
      expect(listed, `${config} lists the guard`).toBeDefined();
      expect(path.resolve(ROOT, path.dirname(config), listed ?? ''), config).toBe(
        path.join(ROOT, 'packages/tooling/src/testing/console-guard-setup.ts'),
      );
      expect(text, `${config} passes setupFiles to its test options`).toMatch(/test: \{\s*setupFiles,/);
    }
  });
});
