/**
 * Item 2 — TLS as asked. `sslmode` in DATABASE_URL behaves as in libpq: the verifying modes check the certificate
 * (verify-ca the CA, verify-full the CA and the host name) and no mode from `require` up ever falls back to plain
 * text; an unknown mode is refused before any connection.
 *
 * The attacks run against a throwaway TLS-enabled PostgreSQL cluster made here (initdb as the postgres user, a CA and
 * a server certificate for "localhost" made with openssl, `hostssl` only), and against the local server, which has no
 * TLS at all.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { DatabaseConfigError, openDatabase } from '@auditlog/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = '/usr/lib/postgresql/15/bin';
const canRunCluster = existsSync(`${BIN}/initdb`) && process.getuid?.() === 0 && existsSync('/usr/bin/openssl');

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address ? address.port : 0;
}

/** `SELECT ssl FROM pg_stat_ssl` for the connection `url` opens; throws what opening throws. */
async function connectionUsesTls(url: string): Promise<boolean> {
  const db = await openDatabase({ url });
  try {
    const [row] = await db.prisma.$queryRaw<
      { ssl: boolean }[]
    >`SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()`;
    return row?.ssl ?? false;
  } finally {
    await db.close();
  }
}

describe('sslmode values', () => {
  it('refuses an unknown sslmode at start, naming the modes, before connecting anywhere', async () => {
    // Port 9 (discard) would time out or be refused: the error must come from the URL alone.
    const error = await openDatabase({ url: 'postgres://u@127.0.0.1:9/db?sslmode=verify_full' }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DatabaseConfigError);
    expect(String(error)).toMatch(/sslmode=verify_full .*disable, allow, prefer, require, verify-ca, verify-full/);
  });

  it.runIf(!existsSync(path.join(homedir(), '.postgresql', 'root.crt')))(
    'refuses verify-full without a CA to check against, saying how to give one',
    async () => {
      const error = await openDatabase({ url: 'postgres://u@127.0.0.1:9/db?sslmode=verify-full' }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(DatabaseConfigError);
      expect(String(error)).toMatch(/sslrootcert=/);
    },
  );

  it('refuses sslrootcert=system below verify-full, as libpq does', async () => {
    const error = await openDatabase({ url: 'postgres://u@127.0.0.1:9/db?sslmode=require&sslrootcert=system' }).catch(
      (e: unknown) => e,
    );
    expect(String(error)).toMatch(/sslrootcert=system needs sslmode=verify-full/);
  });
});

const plainServer = process.env.TEST_DATABASE_URL?.trim();

describe.runIf(Boolean(plainServer))('against a PostgreSQL server without TLS', () => {
  const url = (mode: string, extra = '') => {
    const parsed = new URL(plainServer ?? '');
    parsed.searchParams.set('sslmode', mode);
    return `${parsed.href}${extra}`;
  };
  let ca: string;
  beforeAll(async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'auditlog-ca-'));
    ca = path.join(dir, 'ca.crt');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        path.join(dir, 'ca.key'),
        '-out',
        ca,
        '-days',
        '1',
        '-subj',
        '/CN=Unused CA',
      ],
      { stdio: 'ignore' },
    );
  });

  it.each(['require', 'verify-ca', 'verify-full'])(
    'sslmode=%s never falls back to plain text: the start fails',
    async (mode) => {
      const error = await connectionUsesTls(url(mode, `&sslrootcert=${encodeURIComponent(ca)}`)).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(DatabaseConfigError);
      expect(String(error)).toMatch(/does not support SSL/);
    },
  );

  it.each(['disable', 'allow', 'prefer'])('sslmode=%s connects in plain text, as libpq would', async (mode) => {
    expect(await connectionUsesTls(url(mode))).toBe(false);
  });
});

describe.runIf(canRunCluster)(
  'against a TLS-only PostgreSQL cluster with a certificate for "localhost"',
  { timeout: 60_000 },
  () => {
    let dir: string;
    let port: number;
    const files = { ca: '', otherCa: '' };
    const pgctl = (...args: string[]) =>
      execFileSync('runuser', ['-u', 'postgres', '--', `${BIN}/pg_ctl`, ...args], { stdio: 'ignore' });
    const url = (host: string, query: string) => `postgres://postgres@${host}:${port}/postgres?${query}`;

    beforeAll(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'auditlog-tls-'));
      const at = (name: string) => path.join(dir, name);
      const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'ignore', cwd: dir });
      openssl(
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        'ca.key',
        '-out',
        'ca.crt',
        '-days',
        '1',
        '-subj',
        '/CN=Test CA',
      );
      openssl(
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        'other.key',
        '-out',
        'other.crt',
        '-days',
        '1',
        '-subj',
        '/CN=Other CA',
      );
      openssl(
        'req',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        'server.key',
        '-out',
        'server.csr',
        '-subj',
        '/CN=localhost',
      );
      await writeFile(at('ext.cnf'), 'subjectAltName=DNS:localhost\n');
      openssl(
        'x509',
        '-req',
        '-in',
        'server.csr',
        '-CA',
        'ca.crt',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-out',
        'server.crt',
        '-days',
        '1',
        '-extfile',
        'ext.cnf',
      );
      files.ca = at('ca.crt');
      files.otherCa = at('other.crt');
      await chmod(dir, 0o755);
      execFileSync('chown', ['-R', 'postgres', dir]);
      await chmod(at('server.key'), 0o600);
      execFileSync(
        'runuser',
        ['-u', 'postgres', '--', `${BIN}/initdb`, '-D', at('data'), '-A', 'trust', '-U', 'postgres'],
        { stdio: 'ignore' },
      );
      port = await freePort();
      await writeFile(
        at('data/postgresql.conf'),
        `ssl = on\nssl_cert_file = '${at('server.crt')}'\nssl_key_file = '${at('server.key')}'\nport = ${port}\n` +
          `listen_addresses = '127.0.0.1'\nunix_socket_directories = '${dir}'\n`,
        { flag: 'a' },
      );
      // TLS only: a plain connection finds no pg_hba line.
      await writeFile(at('data/pg_hba.conf'), 'hostssl all all 127.0.0.1/32 trust\n');
      execFileSync('chown', ['-R', 'postgres', at('data')]);
      pgctl('-D', at('data'), '-l', at('log'), '-w', 'start');
    }, 60_000);

    afterAll(async () => {
      if (dir) {
        try {
          pgctl('-D', path.join(dir, 'data'), '-m', 'immediate', '-w', 'stop');
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      }
    });

    const rootcert = (file: string) => `sslrootcert=${encodeURIComponent(file)}`;

    it('verify-full connects over TLS when the CA and the host name match', async () => {
      expect(await connectionUsesTls(url('localhost', `sslmode=verify-full&${rootcert(files.ca)}`))).toBe(true);
    });

    it('verify-full refuses a certificate whose name is not the host connected to (127.0.0.1 vs "localhost")', async () => {
      const error = await connectionUsesTls(url('127.0.0.1', `sslmode=verify-full&${rootcert(files.ca)}`)).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(DatabaseConfigError);
      expect(String(error)).toMatch(/localhost|altnames|IP/i);
    });

    it('verify-ca accepts that certificate (it checks the CA only) but refuses one from another CA', async () => {
      expect(await connectionUsesTls(url('127.0.0.1', `sslmode=verify-ca&${rootcert(files.ca)}`))).toBe(true);
      const error = await connectionUsesTls(url('localhost', `sslmode=verify-ca&${rootcert(files.otherCa)}`)).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(DatabaseConfigError);
      expect(String(error)).toMatch(/certificate/i);
    });

    it('require encrypts without checking, but checks the CA when sslrootcert is given (as libpq)', async () => {
      expect(await connectionUsesTls(url('127.0.0.1', 'sslmode=require'))).toBe(true);
      const error = await connectionUsesTls(url('localhost', `sslmode=require&${rootcert(files.otherCa)}`)).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(DatabaseConfigError);
    });

    it('prefer and allow end up on TLS with a server that requires it; disable is refused by the server', async () => {
      expect(await connectionUsesTls(url('localhost', 'sslmode=prefer'))).toBe(true);
      expect(await connectionUsesTls(url('localhost', 'sslmode=allow'))).toBe(true);
      const error = await connectionUsesTls(url('localhost', 'sslmode=disable')).catch((e: unknown) => e);
      expect(String(error)).toMatch(/no encryption|pg_hba/);
    });
  },
);
