/** The evidence pack verifies offline with its own verify.mjs (Node's standard library only), and an edit fails it. */
import { execFile } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { testEngines, useTestDatabase } from '@auditlog/db/testing';
import { sealOrganization, sqlClientFor, writeEvidencePack } from '../src/index.ts';
import { DAY, daysAgo, insertEntries, sealKeys } from './support.ts';

const run = promisify(execFile);

async function verifyPack(dir: string): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [path.join(dir, 'verify.mjs'), dir], { env: {} });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

describe.each(testEngines)('the evidence pack on %s', (engine) => {
  const db = useTestDatabase(engine);

  it('holds the range’s entries with proofs and signed blocks that verify.mjs checks alone; an edited line fails', async () => {
    const sql = sqlClientFor(db());
    const dir = path.join(await mkdtemp(path.join(tmpdir(), 'auditlog-pack-')), 'pack');
    try {
      const { privateKey } = sealKeys();
      await insertEntries(sql, 'org_pack', { count: 300, start: daysAgo(3), stepMs: 600_000 });
      await sealOrganization(sql, 'org_pack', { privateKey, blockSize: 64 });
      const from = new Date(daysAgo(3).getTime() + DAY / 2);
      const summary = await writeEvidencePack(sql, {
        organizationId: 'org_pack',
        from,
        to: daysAgo(2),
        dir,
        publicKey: createPublicKey(privateKey),
      });
      expect(summary.entries).toBe(72);
      expect(summary.files).toEqual(
        expect.arrayContaining(['entries.ndjson', 'entries.csv', 'proofs.ndjson', 'verify.mjs', 'README.md']),
      );
      expect((await readFile(path.join(dir, 'entries.csv'), 'utf8')).split('\r\n')).toHaveLength(74);
      const clean = await verifyPack(dir);
      expect(clean.output).toMatch(/OK: 72 entries in \d+ signed blocks/);
      expect(clean.code).toBe(0);

      const file = path.join(dir, 'entries.ndjson');
      const lines = (await readFile(file, 'utf8')).split('\n');
      lines[10] = (lines[10] ?? '').replace('"action":"', '"action":"x');
      await writeFile(file, lines.join('\n'));
      const edited = await verifyPack(dir);
      expect(edited.output).toMatch(/FAILED: entry [0-9a-f-]{36} is not in block \d+ as sealed/);
      expect(edited.code).toBe(1);
    } finally {
      await sql.close();
      await rm(path.dirname(dir), { recursive: true, force: true });
    }
  });
});
