// @ts-check
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';
import workspace from './eslint/workspace-rules.js';

/** What the runtime must not load statically: the tooling and Prisma's dev-time engines (decision 011). */
const NO_TOOLING = [
  {
    group: ['@auditlog/tooling', '@auditlog/tooling/*'],
    message:
      'Runtime code must not load the tooling statically: use `await import()` where it migrates (decision 011).',
  },
  {
    group: ['@prisma/schema-engine-wasm', '@prisma/schema-engine-wasm/*', '@prisma/prisma-schema-wasm', '@prisma/dmmf'],
    message:
      "Prisma's WebAssembly engines and the DMMF are dev-time only: they belong in @auditlog/tooling (decision 011).",
  },
];

/** The seeding clock backdates entries: only the demo seed (and tests) may use it (decision 005). */
const NO_SEEDING_CLOCK = {
  regex: String.raw`^(@auditlog/audit/seeding|\..*/seeding(\.ts)?)$`,
  message: 'Only the demo seed (apps/server/src/seed/) may backdate entries with the seeding clock (decision 005).',
};

/** Source files, as opposed to tests and configs. */
const ALL_SOURCES = ['packages/*/src/**/*.{ts,tsx}', 'apps/*/src/**/*.{ts,tsx}'];
/** What runs in the server process. */
const RUNTIME_SOURCES = ['packages/{audit,db,auth,api}/src/**/*.ts', 'apps/server/src/**/*.ts'];
const SEED_SOURCES = ['apps/server/src/seed/**/*.ts'];
/** Test support shipped as `<package>/testing` (builds test histories, never loaded by a request): tests' rules. */
const TEST_SUPPORT = ['packages/*/src/testing.ts', 'packages/*/src/testing/**/*.ts', 'apps/*/src/testing.ts'];
/** Test support inside the runtime packages: it still may not load the tooling statically. */
const RUNTIME_TEST_SUPPORT = TEST_SUPPORT.filter((pattern) => !pattern.startsWith('packages/*')).concat(
  'packages/{audit,db,auth,api}/src/testing.ts',
  'packages/{audit,db,auth,api}/src/testing/**/*.ts',
);

const MAX_FUNCTION_LINES = 80;

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '**/generated/**',
      '**/.data/**',
      '**/test-results/**',
      '**/.turbo/**',
    ],
  },
  eslint.configs.recommended,
  tseslint.configs.strict,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-non-null-assertion': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'separate-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': ['error', { allow: ['warn', 'error'] }],
    },
  },
  {
    // Packages use each other by name, through what their package.json exports; relative imports stay inside their
    // own package (issue 11). Everywhere, tests included: a test reaching into another package's files breaks as
    // silently as source does.
    plugins: { workspace },
    rules: {
      'workspace/no-relative-import-outside-package': 'error',
      'workspace/only-declared-exports': 'error',
    },
  },
  {
    // The runtime: neither the tooling (decision 011) nor the seeding clock (decision 005).
    files: RUNTIME_SOURCES,
    ignores: [...SEED_SOURCES, ...TEST_SUPPORT],
    rules: { 'no-restricted-imports': ['error', { patterns: [...NO_TOOLING, NO_SEEDING_CLOCK] }] },
  },
  {
    // Test support in the runtime packages may backdate (it builds test histories) but not load the tooling.
    files: RUNTIME_TEST_SUPPORT,
    rules: { 'no-restricted-imports': ['error', { patterns: NO_TOOLING }] },
  },
  {
    // The demo seed is runtime code (the server seeds the embedded demo) that may backdate entries.
    files: SEED_SOURCES,
    rules: { 'no-restricted-imports': ['error', { patterns: NO_TOOLING }] },
  },
  {
    // Any other source (the tooling, the bench, the browser code, a package yet to come) may load the tooling, but
    // only the seed backdates. Tests may use the clock: they build histories at chosen times, and no request reaches
    // them.
    files: ALL_SOURCES,
    ignores: [...RUNTIME_SOURCES, ...SEED_SOURCES, ...TEST_SUPPORT],
    rules: { 'no-restricted-imports': ['error', { patterns: [NO_SEEDING_CLOCK] }] },
  },
  {
    // Short functions in source; tests are exempt (a describe block is long by nature). Blank and comment lines do
    // not count.
    files: ['packages/*/src/**/*.ts', 'apps/*/src/**/*.ts'],
    rules: {
      'max-lines-per-function': ['error', { max: MAX_FUNCTION_LINES, skipBlankLines: true, skipComments: true }],
    },
  },
  {
    // Solid components: the same limit, with the JSX a function returns not counted either ("no function over 80
    // lines outside JSX"): a long template is fine, long logic is not. Handlers written inside JSX count on their own.
    files: ['packages/*/src/**/*.tsx', 'apps/*/src/**/*.tsx'],
    rules: { 'workspace/max-lines-outside-jsx': ['error', { max: MAX_FUNCTION_LINES }] },
  },
  {
    // Command-line entry points talk to a person on the terminal.
    files: ['**/cli.ts', '**/*-cli.ts', '**/main.ts', '**/scripts/**', '**/bench/**', '.ci/**'],
    rules: { 'no-console': 'off' },
  },
);
