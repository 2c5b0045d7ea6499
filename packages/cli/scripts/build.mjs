/**
 * Builds the `auditlog` command into one file, dist/auditlog.js. The generator it runs is `@auditlog/tooling/capture`,
 * the same code the project's own migrations use: bundled in, so that it is not copied and the published CLI needs
 * neither the tooling package nor this repository. The engine, Prisma's schema parser (wasm) and pg stay
 * dependencies, installed next to it.
 */
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

rmSync('dist', { recursive: true, force: true });
await build({
  entryPoints: ['src/bin.ts'],
  outfile: 'dist/auditlog.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20.19',
  packages: 'bundle',
  external: ['@auditlog/audit', '@auditlog/audit/*', '@prisma/prisma-schema-wasm', 'pg'],
  logLevel: 'warning',
});
