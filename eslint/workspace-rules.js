// @ts-check
/**
 * Lint rules about how this workspace's packages fit together (issue 11, "tooling that keeps it so"). Each is proved
 * to fire by packages/tooling/test/lint-rules.test.ts, so a rule cannot silently stop working.
 *
 * - `no-relative-import-outside-package`: a relative import stays inside its own package's folder. Packages use each
 *   other by name (`@auditlog/db`), so the other package's `exports` decide what is public.
 * - `only-declared-exports`: an import of a workspace package by name names one of the subpaths its package.json
 *   exports (`@auditlog/db/testing`, never `@auditlog/db/src/client.ts`).
 * - `max-lines-outside-jsx`: `max-lines-per-function` for components: a function's lines are counted without blank
 *   lines, comment lines and the lines of the JSX it returns, so a Solid component may have a long template but not
 *   long logic. A function written inside JSX (an event handler) is a function of its own and is counted itself.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const repoRoot = path.resolve(import.meta.dirname, '..');

/**
 * The workspace packages (the folders pnpm-workspace.yaml lists: apps/* and packages/*), by folder, with their name
 * and the subpaths their `exports` declare.
 * @returns {{ dir: string; name: string; exports: string[] }[]}
 */
function workspacePackages() {
  const found = [];
  for (const group of ['apps', 'packages']) {
    for (const entry of readdirSync(path.join(repoRoot, group), { withFileTypes: true })) {
      const manifest = path.join(repoRoot, group, entry.name, 'package.json');
      if (!entry.isDirectory() || !existsSync(manifest)) continue;
      /** @type {{ name: string; exports?: Record<string, string> }} */
      const json = JSON.parse(readFileSync(manifest, 'utf8'));
      found.push({ dir: path.dirname(manifest), name: json.name, exports: Object.keys(json.exports ?? {}) });
    }
  }
  return found;
}

const packages = workspacePackages();

/** The workspace package whose folder holds `file`, or undefined for the repository's own top-level files. */
const packageOf = (/** @type {string} */ file) =>
  packages.find((pkg) => file === pkg.dir || file.startsWith(pkg.dir + path.sep));

const relativeToRoot = (/** @type {string} */ file) => path.relative(repoRoot, file) || '.';

/**
 * Calls `check` with the string literal of every module specifier in the file: imports, re-exports, dynamic
 * `import()` and `import('…')` types (whose `source` typescript-eslint names like an import's).
 * @param {(source: import('estree').Literal) => void} check
 * @returns {import('eslint').Rule.RuleListener}
 */
function onModuleSpecifiers(check) {
  /** @param {{ source?: unknown } | null | undefined} node */
  const visit = (node) => {
    const source = /** @type {import('estree').Literal | undefined} */ (node?.source);
    if (source?.type === 'Literal' && typeof source.value === 'string') check(source);
  };
  return {
    ImportDeclaration: visit,
    ExportAllDeclaration: visit,
    ExportNamedDeclaration: visit,
    ImportExpression: visit,
    TSImportType: visit,
  };
}

/** @type {import('eslint').Rule.RuleModule} */
const noRelativeImportOutsidePackage = {
  meta: {
    type: 'problem',
    docs: { description: 'A relative import stays inside its package: other packages are imported by name.' },
    schema: [],
    messages: {
      otherPackage:
        "'{{specifier}}' reaches into {{target}} from {{own}}: import '{{targetName}}' (one of its exports) by name instead.",
      outside:
        "'{{specifier}}' leaves {{own}} for {{target}}, which is no package: keep the import inside the package.",
    },
  },
  create(context) {
    const file = context.filename;
    const own = packageOf(file);
    return onModuleSpecifiers((source) => {
      const specifier = String(source.value);
      if (!specifier.startsWith('./') && !specifier.startsWith('../')) return;
      const target = path.resolve(path.dirname(file), specifier);
      const targetPackage = packageOf(target);
      if (targetPackage === own) return;
      const data = {
        specifier,
        own: own ? own.name : 'the repository root',
        target: relativeToRoot(target),
        targetName: targetPackage?.name ?? '',
      };
      context.report({ node: source, messageId: targetPackage ? 'otherPackage' : 'outside', data });
    });
  },
};

/** @type {import('eslint').Rule.RuleModule} */
const onlyDeclaredExports = {
  meta: {
    type: 'problem',
    docs: { description: 'A workspace package is imported only through a subpath its package.json exports.' },
    schema: [],
    messages: {
      notExported:
        "'{{specifier}}' is not exported by {{name}}: use one of {{exports}}, or add the subpath to its package.json exports.",
    },
  },
  create(context) {
    return onModuleSpecifiers((source) => {
      const specifier = String(source.value);
      const pkg = packages.find(
        (candidate) => specifier === candidate.name || specifier.startsWith(`${candidate.name}/`),
      );
      if (!pkg) return;
      const subpath = `.${specifier.slice(pkg.name.length)}`;
      if (pkg.exports.includes(subpath)) return;
      const exports = pkg.exports.map((entry) => `'${path.posix.join(pkg.name, entry)}'`).join(', ') || '(none)';
      context.report({ node: source, messageId: 'notExported', data: { specifier, name: pkg.name, exports } });
    });
  },
};

const FUNCTION_TYPES = ['FunctionDeclaration', 'FunctionExpression', 'ArrowFunctionExpression'];
const JSX_TYPES = ['JSXElement', 'JSXFragment'];

/** `Function 'AuditLogsPage'` for a declaration or a function assigned to a name, `This function` otherwise. */
const functionName = (/** @type {import('estree').Node & import('eslint').Rule.NodeParentExtension} */ node) => {
  const declared = 'id' in node ? node.id?.name : undefined;
  const assigned = node.parent.type === 'VariableDeclarator' && node.parent.id.type === 'Identifier';
  const name = declared ?? (assigned ? /** @type {import('estree').Identifier} */ (node.parent.id).name : undefined);
  return name ? `Function '${name}'` : 'This function';
};

/** @type {import('eslint').Rule.RuleModule} */
const maxLinesOutsideJsx = {
  meta: {
    type: 'suggestion',
    docs: { description: 'max-lines-per-function, not counting blank lines, comment lines and JSX.' },
    schema: [
      {
        type: 'object',
        properties: { max: { type: 'integer', minimum: 1 } },
        required: ['max'],
        additionalProperties: false,
      },
    ],
    messages: {
      tooLong:
        '{{name}} has {{lines}} lines outside JSX (blank and comment lines not counted); at most {{max}}: split it into named functions.',
    },
  },
  create(context) {
    const { max } = /** @type {{ max: number }} */ (context.options[0]);
    const sourceCode = context.sourceCode;
    /** The outermost JSX of each function: the JSX it holds with no other JSX around it inside the function. */
    const jsxOf = new Map();

    /** @param {import('estree').Node} node */
    const recordJsx = (node) => {
      for (const ancestor of [...sourceCode.getAncestors(node)].reverse()) {
        if (JSX_TYPES.includes(ancestor.type)) return;
        if (FUNCTION_TYPES.includes(ancestor.type)) jsxOf.set(ancestor, [...(jsxOf.get(ancestor) ?? []), node.range]);
      }
    };

    /** @param {import('estree').Node} node */
    const checkFunction = (node) => {
      /** @type {[number, number][]} */
      const jsx = jsxOf.get(node) ?? [];
      const lines = new Set();
      for (const token of sourceCode.getTokens(node)) {
        const [start, end] = token.range;
        if (jsx.some(([from, to]) => start >= from && end <= to)) continue;
        for (let line = token.loc.start.line; line <= token.loc.end.line; line++) {
          // A multi-line template literal is one token: its blank lines do not count, as in max-lines-per-function.
          if (sourceCode.lines[line - 1]?.trim()) lines.add(line);
        }
      }
      if (lines.size <= max) return;
      context.report({
        node,
        messageId: 'tooLong',
        data: { name: functionName(node), lines: String(lines.size), max: String(max) },
      });
    };

    return {
      JSXElement: recordJsx,
      JSXFragment: recordJsx,
      'FunctionDeclaration:exit': checkFunction,
      'FunctionExpression:exit': checkFunction,
      'ArrowFunctionExpression:exit': checkFunction,
    };
  },
};

export default {
  meta: { name: 'workspace' },
  rules: {
    'no-relative-import-outside-package': noRelativeImportOutsidePackage,
    'only-declared-exports': onlyDeclaredExports,
    'max-lines-outside-jsx': maxLinesOutsideJsx,
  },
};
