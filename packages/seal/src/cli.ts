/**
 * pnpm audit:keygen [--out <file>]     make an Ed25519 key pair: <file> (0600) and <file>.pub, or print both
 * pnpm audit:seal [--org <slug>]       seal the final entries (key: AUDIT_SEAL_KEY_FILE or AUDIT_SEAL_KEY)
 * pnpm audit:verify [--org <slug>] [--from <date>] [--checkpoint <file>] [--grace <minutes>] [--workers <n>]
 *                    [--public-key <file>]…   more public keys (after a key rotation), besides the configured one
 *                                      recompute everything; print the first broken link and exit 1, or exit 0
 * pnpm audit:checkpoint [--out <file>] export the newest block of every organization with the public key
 * pnpm audit:retention --org <slug> --days <n> [--legal-hold on|off]    set the retention period or a legal hold
 * pnpm audit:prune --org <slug> --before <YYYY-MM>    remove whole months before it (as the owner; needs the seal key)
 * pnpm audit:export --org <slug> --from <date> --to <date> --out <dir>   an evidence pack an auditor checks offline
 */
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { openDatabase } from '@auditlog/db';
import { configuredPrivateKey, configuredPublicKey, fromInvocation } from './env.ts';
import { exportCheckpoints, parseCheckpointFile } from './export.ts';
import { generateSealKeyPair, readPublicKeyFile, writeSealKeyPair } from './keys.ts';
import { writeEvidencePack } from './pack.ts';
import { pruneMonths } from './prune.ts';
import { describeFailure, organizationsFor, verifyOrganizations } from './run.ts';
import { sealOrganization, SealRefusedError } from './sealer.ts';
import { sqlClientFor } from './sql.ts';
import type { SqlClient } from './sql.ts';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    org: { type: 'string' },
    from: { type: 'string' },
    checkpoint: { type: 'string' },
    grace: { type: 'string' },
    workers: { type: 'string' },
    'public-key': { type: 'string', multiple: true },
    out: { type: 'string' },
    'block-size': { type: 'string' },
    before: { type: 'string' },
    to: { type: 'string' },
    days: { type: 'string' },
    'legal-hold': { type: 'string' },
  },
});

async function withSql<T>(run: (sql: SqlClient) => Promise<T>): Promise<T> {
  const db = await openDatabase();
  const sql = sqlClientFor(db);
  try {
    return await run(sql);
  } finally {
    await sql.close();
    await db.close();
  }
}

async function keygen(): Promise<number> {
  const pair = generateSealKeyPair();
  if (!values.out) {
    console.log(
      `# AUDIT_SEAL_KEY (keep it secret):\n${pair.privateKeyPem}\n# AUDIT_SEAL_PUBLIC_KEY:\n${pair.publicKeyPem}`,
    );
    return 0;
  }
  const file = fromInvocation(values.out);
  const publicFile = await writeSealKeyPair(file, pair);
  console.log(`Wrote ${file} (mode 0600) and ${publicFile}. Set AUDIT_SEAL_KEY_FILE=${file}.`);
  return 0;
}

async function seal(): Promise<number> {
  const privateKey = await configuredPrivateKey();
  if (!privateKey)
    throw new Error('No seal key: set AUDIT_SEAL_KEY_FILE (or AUDIT_SEAL_KEY); pnpm audit:keygen makes one.');
  const blockSize = values['block-size'] ? Number(values['block-size']) : undefined;
  return withSql(async (sql) => {
    let refused = 0;
    for (const organizationId of await organizationsFor(sql, values.org)) {
      try {
        const result = await sealOrganization(sql, organizationId, { privateKey, blockSize });
        if (result.blocks)
          console.log(`${organizationId}: sealed ${result.entries} entries in ${result.blocks} blocks`);
      } catch (error) {
        if (!(error instanceof SealRefusedError)) throw error;
        refused += 1;
        console.error(error.message);
      }
    }
    return refused ? 1 : 0;
  });
}

async function verify(): Promise<number> {
  const publicKey = await configuredPublicKey();
  if (!publicKey) throw new Error('No public key: set AUDIT_SEAL_PUBLIC_KEY_FILE (or AUDIT_SEAL_PUBLIC_KEY).');
  const from = values.from ? new Date(values.from) : undefined;
  if (from && Number.isNaN(from.getTime())) throw new Error(`--from ${values.from} is not a date (use 2026-01-31).`);
  const checkpoints = values.checkpoint
    ? parseCheckpointFile(await readFile(fromInvocation(values.checkpoint), 'utf8'), values.checkpoint).blocks
    : undefined;
  const graceMinutes = values.grace ? Number(values.grace) : undefined;
  const workers = values.workers ? Number(values.workers) : undefined;
  if (workers !== undefined && !(Number.isInteger(workers) && workers >= 1 && workers <= 16))
    throw new Error(`--workers ${values.workers} is not a number of threads from 1 to 16.`);
  const others = await Promise.all((values['public-key'] ?? []).map((file) => readPublicKeyFile(fromInvocation(file))));
  return withSql(async (sql) => {
    const started = performance.now();
    const reports = await verifyOrganizations(sql, await organizationsFor(sql, values.org), {
      publicKey: [publicKey, ...others],
      workers,
      from,
      checkpoints,
      graceMinutes,
    });
    const seconds = (performance.now() - started) / 1000;
    const entries = reports.reduce((sum, report) => sum + report.entries, 0);
    const failed = reports.filter((report) => report.failure);
    for (const report of failed) if (report.failure) console.error(`BROKEN: ${describeFailure(report.failure)}`);
    const rate = seconds > 0 ? Math.round(entries / seconds) : entries;
    console.log(
      `${reports.length} organizations, ${entries} entries checked in ${seconds.toFixed(2)} s (${rate}/s): ${failed.length ? `${failed.length} broken` : 'all intact'}`,
    );
    return failed.length ? 1 : 0;
  });
}

async function checkpoint(): Promise<number> {
  const publicKey = await configuredPublicKey();
  if (!publicKey) throw new Error('No public key: set AUDIT_SEAL_PUBLIC_KEY_FILE or AUDIT_SEAL_KEY_FILE.');
  const file = await withSql((sql) => exportCheckpoints(sql, publicKey));
  const text = `${JSON.stringify(file, null, 2)}\n`;
  if (!values.out) process.stdout.write(text);
  else {
    await writeFile(fromInvocation(values.out), text, { flag: 'wx' });
    console.log(`Wrote ${file.blocks.length} checkpoints to ${fromInvocation(values.out)}.`);
  }
  return 0;
}

async function retention(): Promise<number> {
  const days = Number(values.days ?? 400);
  if (!values.org || !Number.isInteger(days) || days < 1)
    throw new Error('Usage: audit:retention --org <slug> --days <n> [--legal-hold on|off]');
  const hold = values['legal-hold'] === 'on';
  if (days < 365) console.warn(`A retention of ${days} days is under 12 months, the floor PCI DSS 10.5.1 asks for.`);
  return withSql(async (sql) => {
    const [organizationId] = await organizationsFor(sql, values.org);
    await sql.query('SELECT auditlog.set_retention($1, $2, $3)', [organizationId, days, hold]);
    console.log(`${values.org}: entries kept ${days} days${hold ? ', under legal hold (nothing is removed)' : ''}.`);
    return 0;
  });
}

async function prune(): Promise<number> {
  const before =
    values.before && /^\d{4}-\d{2}$/.test(values.before) ? new Date(`${values.before}-01T00:00:00Z`) : null;
  if (!values.org || !before)
    throw new Error('Usage: audit:prune --org <slug> --before <YYYY-MM> (the first month kept)');
  const privateKey = await configuredPrivateKey();
  if (!privateKey) throw new Error('Pruning signs its record: set AUDIT_SEAL_KEY_FILE (or AUDIT_SEAL_KEY).');
  return withSql(async (sql) => {
    const [organizationId = ''] = await organizationsFor(sql, values.org);
    const started = performance.now();
    const result = await pruneMonths(sql, organizationId, before, privateKey);
    const ms = Math.round(performance.now() - started);
    console.log(
      `${values.org}: removed ${result.entries} entries and ${result.blocks} blocks before ${result.before} in ${ms} ms.`,
    );
    return 0;
  });
}

async function exportPack(): Promise<number> {
  const from = new Date(values.from ?? '');
  const to = new Date(values.to ?? '');
  if (!values.org || !values.out || Number.isNaN(from.getTime()) || Number.isNaN(to.getTime()))
    throw new Error('Usage: audit:export --org <slug> --from <date> --to <date> --out <dir>');
  const publicKey = await configuredPublicKey();
  if (!publicKey)
    throw new Error('The pack carries the public key: set AUDIT_SEAL_PUBLIC_KEY_FILE or AUDIT_SEAL_KEY_FILE.');
  const dir = fromInvocation(values.out);
  return withSql(async (sql) => {
    const [organizationId = ''] = await organizationsFor(sql, values.org);
    const pack = await writeEvidencePack(sql, { organizationId, from, to, dir, publicKey });
    console.log(
      `Wrote ${pack.entries} entries from ${pack.blocks} blocks to ${dir}; check it with: node ${dir}/verify.mjs`,
    );
    return 0;
  });
}

const commands: Record<string, () => Promise<number>> = {
  keygen,
  seal,
  verify,
  checkpoint,
  retention,
  prune,
  export: exportPack,
};
const command = commands[positionals[0] ?? ''];
if (!command) {
  console.error('Usage: cli.ts keygen|seal|verify|checkpoint [options] (see the top of packages/seal/src/cli.ts)');
  process.exitCode = 2;
} else {
  command().then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : String(error));
      process.exitCode = 1;
    },
  );
}
