/**
 * The lint rules that keep the workspace's shape (eslint.config.js, eslint/workspace-rules.js) really fire: each case
 * lints a small piece of code as if it lived at a path in the repository, with the repository's own config, and
 * expects the rule to report it, and a close variant that is allowed not to be reported. A rule that stops matching
 * (a renamed folder, a glob that no longer applies, an override that replaces it) fails here by name.
 */
import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const repoRoot = path.resolve(import.meta.dirname, '../../..');
const eslint = new ESLint({ cwd: repoRoot });

/** The rules that report `code` linted as the file at `file` (relative to the repository root). */
async function rulesReported(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(repoRoot, file) });
  if (!result) throw new Error(`ESLint returned no result for ${file}`);
  const fatal = result.messages.find((message) => message.fatal);
  if (fatal) throw new Error(`${file} does not parse: ${fatal.message}`);
  return result.messages.map((message) => message.ruleId ?? '(no rule)');
}

/** A function whose body has `lines` lines of code, plus blank and comment lines that must not count. */
function functionOf(lines: number, name = 'long'): string {
  const body = Array.from({ length: lines }, (_, i) => `  total += ${i};\n\n  // why: a comment line\n`).join('');
  // `lines` + 4 lines in all: the signature, `let`, `return` and the closing brace count too.
  return `export function ${name}(): number {\n  let total = 0;\n${body}  return total;\n}\n`;
}

interface Case {
  rule: string;
  file: string;
  reported: string;
  allowed: string;
}

const cases: Case[] = [
  {
    rule: 'workspace/no-relative-import-outside-package',
    file: 'packages/api/src/services/example.ts',
    reported: `import { openDatabase } from '../../../db/src/index.ts';\nexport const open = openDatabase;\n`,
    allowed: `import { openDatabase } from '@auditlog/db';\nexport const open = openDatabase;\n`,
  },
  {
    rule: 'workspace/no-relative-import-outside-package',
    file: 'packages/tooling/test/example.test.ts',
    reported: `export { createOrganization } from '../../db/test/capture/fixtures.ts';\n`,
    allowed: `export { generateCaptureSql } from '../src/migrate/audit-triggers.ts';\n`,
  },
  {
    rule: 'workspace/no-relative-import-outside-package',
    file: 'apps/web/src/example.ts',
    reported: `export type Entry = import('../../../packages/api/src/index.ts').AppRouter;\n`,
    allowed: `export type Entry = import('./lib/api.ts').AuditEntrySummary;\n`,
  },
  {
    rule: 'workspace/only-declared-exports',
    file: 'apps/server/src/example.ts',
    reported: `export { openDatabase } from '@auditlog/db/src/client.ts';\n`,
    allowed: `export { openDatabase } from '@auditlog/db';\n`,
  },
  {
    rule: 'no-restricted-imports',
    file: 'packages/api/src/services/example.ts',
    reported: `import { withSeedClock } from '@auditlog/audit/seeding';\nexport const clock = withSeedClock;\n`,
    allowed: `import { runAsSystem } from '@auditlog/audit';\nexport const system = runAsSystem;\n`,
  },
  {
    rule: 'no-restricted-imports',
    file: 'packages/audit/src/example.ts',
    reported: `export { withSeedClock } from './seeding.ts';\n`,
    allowed: `export { runAsSystem } from './context.ts';\n`,
  },
  {
    rule: 'no-restricted-imports',
    file: 'packages/tooling/src/example.ts',
    reported: `export { withSeedClock } from '@auditlog/audit/seeding';\n`,
    allowed: `export { migrateDatabase } from './database.ts';\n`,
  },
  {
    rule: 'no-restricted-imports',
    file: 'apps/web/src/example.ts',
    reported: `export { withSeedClock } from '@auditlog/audit/seeding';\n`,
    allowed: `export { KNOWN_ACTIONS } from '@auditlog/audit/catalog';\n`,
  },
  {
    rule: 'no-restricted-imports',
    file: 'apps/server/src/example.ts',
    reported: `export { withSeedClock } from '@auditlog/audit/seeding';\n`,
    allowed: `export { runAsSystem } from '@auditlog/audit';\n`,
  },
  {
    rule: 'no-restricted-imports',
    file: 'apps/server/src/seed/example.ts',
    reported: `export { migrateDatabase } from '@auditlog/tooling';\n`,
    allowed: `export { withSeedClock } from '@auditlog/audit/seeding';\n`,
  },
  {
    rule: 'no-restricted-imports',
    file: 'packages/db/src/example.ts',
    reported: `export { getDMMF } from '@prisma/prisma-schema-wasm';\n`,
    allowed: `export { Prisma } from './generated/prisma/client.ts';\n`,
  },
  {
    rule: 'max-lines-per-function',
    file: 'packages/audit/src/example.ts',
    reported: functionOf(77),
    allowed: functionOf(76),
  },
  {
    rule: 'workspace/max-lines-outside-jsx',
    file: 'apps/web/src/components/Example.tsx',
    reported: functionOf(77),
    allowed: functionOf(76),
  },
];

describe('the workspace lint rules fire', () => {
  it.each(cases)('$rule reports $file: $reported', async ({ rule, file, reported }) => {
    expect(await rulesReported(file, reported)).toContain(rule);
  });

  it.each(cases)('$rule lets $file have: $allowed', async ({ rule, file, allowed }) => {
    expect(await rulesReported(file, allowed)).not.toContain(rule);
  });

  it('tests may backdate entries with the seeding clock', async () => {
    const code = `export { withSeedClock } from '@auditlog/audit/seeding';\n`;
    expect(await rulesReported('packages/api/test/example.test.ts', code)).toEqual([]);
  });

  it('tests are not held to the function length: a describe block is long by nature', async () => {
    expect(await rulesReported('packages/api/test/example.test.ts', functionOf(200))).toEqual([]);
  });

  describe('max-lines-outside-jsx', () => {
    const jsxLines = Array.from({ length: 120 }, (_, i) => `      <li>item ${i}</li>`).join('\n');
    const component = (logic: number) =>
      [
        `export const List = () => {`,
        ...Array.from({ length: logic }, (_, i) => `  const value${i} = ${i};`),
        `  return (`,
        `    <ul>`,
        jsxLines,
        `    </ul>`,
        `  );`,
        `};`,
        '',
      ].join('\n');

    it('does not count the JSX a component returns', async () => {
      expect(await rulesReported('apps/web/src/components/List.tsx', component(70))).not.toContain(
        'workspace/max-lines-outside-jsx',
      );
    });

    it('counts the code around it', async () => {
      expect(await rulesReported('apps/web/src/components/List.tsx', component(90))).toContain(
        'workspace/max-lines-outside-jsx',
      );
    });

    it('counts a handler written inside JSX on its own', async () => {
      const handler = Array.from({ length: 90 }, (_, i) => `        console.warn(${i});`).join('\n');
      const code = `export const Button = () => (\n  <button\n    onClick={() => {\n${handler}\n    }}\n  />\n);\n`;
      expect(await rulesReported('apps/web/src/components/Button.tsx', code)).toEqual([
        'workspace/max-lines-outside-jsx',
      ]);
    });
  });
});
