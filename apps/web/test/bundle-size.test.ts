/** The JavaScript a first visit loads stays within 60 kB gzip (the README states the measured size). */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';

const dist = path.resolve(import.meta.dirname, '../dist');
export const BUDGET_BYTES = 60 * 1024;

describe('the web app’s first load', () => {
  it('is at most 60 kB of gzipped JavaScript', async () => {
    const html = await readFile(path.join(dist, 'index.html'), 'utf8').catch(() => {
      throw new Error('apps/web/dist is missing: pnpm test builds it first (turbo run build)');
    });
    // Everything index.html loads up front: the entry script and the chunks it preloads.
    const scripts = [
      ...html.matchAll(/<(?:script[^>]*\ssrc|link[^>]*rel="modulepreload"[^>]*\shref)="\/([^"]+\.js)"/g),
    ].map((m) => m[1] ?? '');
    expect(scripts.length).toBeGreaterThan(0);
    let total = 0;
    for (const script of scripts) total += gzipSync(await readFile(path.join(dist, script))).length;
    expect(total).toBeLessThanOrEqual(BUDGET_BYTES);
  });
});
