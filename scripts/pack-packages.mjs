#!/usr/bin/env node
/**
 * `pnpm pack:packages`: builds every publishable package (a packages/* manifest that is not `private`) and writes
 * one tarball each into packs/, as `pnpm publish` would upload it: `publishConfig` replaces the workspace's source
 * exports with dist/, and `workspace:` and `catalog:` versions become real ones. Prints the tarballs' paths, one a
 * line, and fails if a tarball carries anything but dist/, the README, the LICENSE and package.json.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { log } from 'node:console';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const packs = join(root, 'packs');
const publishable = readdirSync(join(root, 'packages'))
  .map((dir) => join(root, 'packages', dir))
  .filter((dir) => {
    try {
      return !JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).private;
    } catch {
      return false;
    }
  });

rmSync(packs, { recursive: true, force: true });
mkdirSync(packs);
const run = (args, cwd) => execFileSync('pnpm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
const names = publishable.map((dir) => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name);
run(['exec', 'turbo', 'run', 'build', '--output-logs=errors-only', ...names.map((name) => `--filter=${name}`)], root);

const ALLOWED = /^package\/(package\.json|README\.md|LICENSE|dist\/.+)$/;
/**
 * pnpm resolves `workspace:` in devDependencies too, and fails on the private packages (they have no version) that
 * only the workspace's tests use. A consumer never installs devDependencies: pack without them, then put them back.
 */
function packWithoutDevDependencies(dir) {
  const file = join(dir, 'package.json');
  const original = readFileSync(file, 'utf8');
  const { devDependencies: _dev, ...manifest } = JSON.parse(original);
  writeFileSync(file, `${JSON.stringify(manifest, null, 2)}\n`);
  try {
    return JSON.parse(run(['pack', '--json', '--pack-destination', packs], dir));
  } finally {
    writeFileSync(file, original);
  }
}

for (const dir of publishable) {
  const out = packWithoutDevDependencies(dir);
  const stray = out.files.map((f) => `package/${f.path}`).filter((path) => !ALLOWED.test(path));
  if (stray.length)
    throw new Error(`${out.name}'s tarball carries files a consumer does not need: ${stray.join(', ')}`);
  log(out.filename);
}
