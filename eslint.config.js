// @ts-check
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

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
    // The runtime never loads the tooling or Prisma's WebAssembly engines (decision 011): the server imports
    // @auditlog/tooling only with a dynamic import(), when it migrates on start. Tests, the tooling and the bench may.
    files: ['packages/{audit,db,auth,api}/src/**/*.ts', 'apps/server/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@auditlog/tooling', '@auditlog/tooling/*'],
              message:
                'Runtime code must not load the tooling statically: use `await import()` where it migrates (decision 011).',
            },
            {
              group: [
                '@prisma/schema-engine-wasm',
                '@prisma/schema-engine-wasm/*',
                '@prisma/prisma-schema-wasm',
                '@prisma/dmmf',
              ],
              message:
                "Prisma's WebAssembly engines and the DMMF are dev-time only: they belong in @auditlog/tooling (decision 011).",
            },
          ],
        },
      ],
    },
  },
  {
    // Command-line entry points talk to a person on the terminal.
    files: ['**/cli.ts', '**/*-cli.ts', '**/main.ts', '**/scripts/**', '**/bench/**', '.ci/**'],
    rules: { 'no-console': 'off' },
  },
);
