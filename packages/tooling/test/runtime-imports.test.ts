/**
 * The runtime never loads the tooling (decision 011): walks the static import graph of every runtime entry point,
 * through relative files and the workspace packages' `exports`, and fails naming the chain of files that reaches the
 * tooling or a WebAssembly engine. A dynamic `import()` is not followed: that is how the server loads the tooling,
 * only when it migrates on start. Type-only imports are not followed either: they are erased before anything runs.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const repoRoot = path.resolve(import.meta.dirname, '../../..');

/** What only dev- and deploy-time code may load. */
const FORBIDDEN = ['@auditlog/tooling', '@prisma/schema-engine-wasm', '@prisma/prisma-schema-wasm', '@prisma/dmmf'];

const RUNTIME_ENTRY_POINTS = [
  'packages/audit/src/index.ts',
  'packages/db/src/index.ts',
  'packages/auth/src/index.ts',
  'packages/api/src/index.ts',
  'packages/client/src/index.ts',
  'packages/react/src/index.ts',
  'apps/server/src/server.ts',
  'apps/server/src/main.ts',
  'apps/server/src/api-keys-cli.ts',
];

const packageOf = (specifier: string) =>
  specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');

/** The workspace packages by name: their folder and `exports` map. */
function workspacePackages(): Map<string, { dir: string; exports: Record<string, string> }> {
  const packages = new Map<string, { dir: string; exports: Record<string, string> }>();
  for (const group of ['packages', 'apps']) {
    for (const name of ts.sys.getDirectories(path.join(repoRoot, group))) {
      const dir = path.join(repoRoot, group, name);
      const manifest = path.join(dir, 'package.json');
      if (!existsSync(manifest)) continue;
      const json = JSON.parse(readFileSync(manifest, 'utf8')) as { name: string; exports?: Record<string, string> };
      packages.set(json.name, { dir, exports: json.exports ?? {} });
    }
  }
  return packages;
}

const workspace = workspacePackages();

/** The specifiers a file loads when it runs: static imports and re-exports that are not type-only. */
function runtimeSpecifiers(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, false);
  const specifiers: string[] = [];
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement)) {
      if (statement.importClause?.isTypeOnly) continue;
      if (ts.isStringLiteral(statement.moduleSpecifier)) specifiers.push(statement.moduleSpecifier.text);
    } else if (ts.isExportDeclaration(statement) && statement.moduleSpecifier && !statement.isTypeOnly) {
      if (ts.isStringLiteral(statement.moduleSpecifier)) specifiers.push(statement.moduleSpecifier.text);
    }
  }
  return specifiers;
}

/** The file a specifier loads, when it is one of this repository's; null for a third-party package. */
function resolve(specifier: string, from: string): string | null {
  if (specifier.startsWith('.')) {
    const target = path.resolve(path.dirname(from), specifier);
    const candidates = [target, `${target}.ts`, `${target}.tsx`, path.join(target, 'index.ts')];
    const found = candidates.find((candidate) => existsSync(candidate) && !ts.sys.directoryExists(candidate));
    if (!found) throw new Error(`${path.relative(repoRoot, from)}: cannot resolve ${specifier}`);
    return found;
  }
  const name = packageOf(specifier);
  const pkg = workspace.get(name);
  if (!pkg) return null;
  const subpath = `.${specifier.slice(name.length)}`;
  const target = pkg.exports[subpath];
  if (!target) throw new Error(`${path.relative(repoRoot, from)}: ${name} does not export ${subpath}`);
  return path.join(pkg.dir, target);
}

/**
 * The chain of files from `entry` to the first import of a forbidden module (ending with that module's name), or
 * null when none is reachable.
 */
function forbiddenImportChain(entry: string): string[] | null {
  const start = path.join(repoRoot, entry);
  const parents = new Map<string, string | null>([[start, null]]);
  const queue = [start];
  const chainTo = (file: string) => {
    const chain: string[] = [];
    for (let at: string | null | undefined = file; at; at = parents.get(at)) chain.unshift(path.relative(repoRoot, at));
    return chain;
  };
  for (let file = queue.shift(); file; file = queue.shift()) {
    for (const specifier of runtimeSpecifiers(file)) {
      if (FORBIDDEN.includes(packageOf(specifier))) return [...chainTo(file), specifier];
      const next = resolve(specifier, file);
      if (next && !parents.has(next)) {
        parents.set(next, file);
        queue.push(next);
      }
    }
  }
  return null;
}

describe('the runtime does not load the tooling or the WebAssembly engines', () => {
  it.each(RUNTIME_ENTRY_POINTS)('%s reaches none of them through static imports', (entry) => {
    const chain = forbiddenImportChain(entry);
    expect(chain, chain ? `loaded at run time through ${chain.join(' → ')}` : '').toBeNull();
  });

  it('the walk finds them where they are: the tooling reaches the schema engine, and the bench (dev-time) reaches the tooling', () => {
    expect(forbiddenImportChain('packages/tooling/src/index.ts')?.at(-1)).toMatch(
      /^@prisma\/(schema-engine-wasm|prisma-schema-wasm|dmmf)/,
    );
    expect(forbiddenImportChain('apps/bench/src/databases.ts')).toEqual([
      'apps/bench/src/databases.ts',
      '@auditlog/tooling',
    ]);
  });

  it('the server reaches the tooling only through the dynamic import in database.ts, which the walk does not follow', () => {
    const source = readFileSync(path.join(repoRoot, 'apps/server/src/database.ts'), 'utf8');
    expect(source).toMatch(/await import\('@auditlog\/tooling'\)/);
    expect(runtimeSpecifiers(path.join(repoRoot, 'apps/server/src/database.ts'))).not.toContain('@auditlog/tooling');
  });
});
