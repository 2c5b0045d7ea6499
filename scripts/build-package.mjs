#!/usr/bin/env node
/**
 * Builds a publishable package into its dist/: ESM JavaScript and declarations from `tsc -p tsconfig.build.json`.
 * The sources import each other with `.ts` extensions (decision 003); tsc rewrites them in the JavaScript
 * (`rewriteRelativeImportExtensions`) but not in the declarations, which then name files that are not shipped for
 * older TypeScript versions: this rewrites them to `.js`, as the JavaScript has them.
 *
 *   node ../../scripts/build-package.mjs      (run in the package's folder, by its `build` script)
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import process from 'node:process';

const dist = join(process.cwd(), 'dist');
rmSync(dist, { recursive: true, force: true });
const tsc = createRequire(join(process.cwd(), 'package.json')).resolve('typescript/bin/tsc');
try {
  // Not incremental: tsconfig.build.json inherits the typecheck's build info file, which, once warm, makes tsc emit
  // nothing into the dist/ just removed (the pack then fails: no dist).
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--incremental', 'false'], { stdio: 'inherit' });
} catch {
  process.exit(1); // tsc has printed its errors
}

// `from './x.ts'`, `import('./x.tsx')`: relative specifiers only; package names are left alone.
const RELATIVE_TS = /((?:from|import)\s*\(?\s*['"])(\.{1,2}\/[^'"]*?)\.tsx?(['"])/g;
for (const entry of readdirSync(dist, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !entry.name.endsWith('.d.ts')) continue;
  const file = join(entry.parentPath, entry.name);
  const text = readFileSync(file, 'utf8');
  const rewritten = text.replace(RELATIVE_TS, '$1$2.js$3');
  if (rewritten !== text) writeFileSync(file, rewritten);
}
