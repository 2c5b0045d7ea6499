import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import { defineConfig } from 'vite';
import type { Plugin } from 'vite';
import solid from 'vite-plugin-solid';

const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

/**
 * Writes `<file>.br` (quality 11) and `<file>.gz` (level 9) beside each built script and stylesheet, so that the
 * server sends hashed assets compressed at the best ratio without compressing them per request (quality 11 takes
 * about 0.3 s; the on-the-fly middleware's quality 4 is larger than gzip for this bundle).
 */
function precompress(): Plugin {
  let outDir = 'dist';
  return {
    name: 'auditlog:precompress',
    apply: 'build',
    configResolved(config) {
      outDir = path.resolve(config.root, config.build.outDir);
    },
    async closeBundle() {
      const assets = path.join(outDir, 'assets');
      const files = (await readdir(assets)).filter((file) => /\.(js|css|svg)$/.test(file));
      await Promise.all(
        files.map(async (file) => {
          const body = await readFile(path.join(assets, file));
          const br = await brotli(body, {
            params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: body.length },
          });
          await writeFile(path.join(assets, `${file}.br`), br);
          await writeFile(path.join(assets, `${file}.gz`), await gzipAsync(body, { level: 9 }));
        }),
      );
    },
  };
}

export default defineConfig({
  plugins: [solid(), precompress()],
  build: {
    target: 'es2022',
    outDir: 'dist',
    // The budget is checked by tests: the built files (test/bundle-size.test.ts) and the bytes on the wire in a
    // browser (test/performance.test.ts): first visit ≤ 60 kB.
    reportCompressedSize: true,
    rolldownOptions: {
      // @trpc/client's index re-exports every link (wsLink, the SSE and local links, server error shapes) from modules
      // without a `sideEffects` field; the page uses httpBatchLink and the client error only. They have no top-level
      // effects this client needs (the Symbol.dispose polyfill lives in server-only modules), so unused ones go.
      treeshake: { moduleSideEffects: [{ test: /[\\/]@trpc[\\/]/, sideEffects: false }] },
      output: {
        // Each file costs a request and about 1 kB of response headers, so a first visit fetches two files: everything
        // the entry needs statically (by default Rolldown splits what the lazy chunks share with it into a common
        // chunk), and the search bar with the investigation controls, which the page loads at once beside the rows.
        // Everything else (drawer, record history, changes) stays lazy and loads on demand.
        codeSplitting: {
          groups: [
            { name: 'index', tags: ['$initial'], priority: 2 },
            {
              name: 'controls',
              test: /components[\\/](SearchBar|InvestigationFilters)\.tsx$|lucide-solid[\\/].*[\\/]icons[\\/](x|search)\.jsx$/,
              priority: 1,
            },
          ],
        },
      },
    },
  },
  server: {
    // `pnpm --filter @auditlog/web dev` next to `pnpm start`: the API stays on the server's port.
    proxy: {
      '/trpc': 'http://localhost:3000',
      '/healthz': 'http://localhost:3000',
      '/audit-logs/evidence-pack': 'http://localhost:3000',
    },
  },
});
