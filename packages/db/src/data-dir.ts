/**
 * The embedded database's folder, kept private. PGlite (PostgreSQL in WebAssembly) writes its files with mode 0666
 * whatever the umask, so anyone on the machine could read password hashes and sessions or edit the audit log with no
 * trigger involved. The folder is made 0700, which alone keeps other users out of everything below it, and the
 * files in it are set to 0600 whenever the database opens and closes. An existing folder that others can enter is
 * refused: its files may already have been read, and fixing it is the owner's decision.
 *
 * One process at a time: a lock file names the process that has the folder open, and a second opener (a second
 * server, `pnpm api-key`) is refused while that process lives; two writers would lose each other's writes.
 */
import { mkdir, open, readdir, readFile, rm, stat, chmod } from 'node:fs/promises';
import path from 'node:path';
import { DatabaseConfigError } from './errors.ts';

export const LOCK_FILE = 'auditlog.lock';

/** Creates the folder 0700, or checks that an existing one is private. @throws DatabaseConfigError with the fix */
export async function preparePrivateDirectory(dataDir: string): Promise<void> {
  const existing = await stat(dataDir).catch(() => null);
  if (!existing) {
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    await chmod(dataDir, 0o700); // `mode` is filtered by the umask; the folder must be 0700 whatever it is
    return;
  }
  if (!existing.isDirectory())
    throw new DatabaseConfigError(`DATA_DIR ${dataDir} is not a folder. Point DATA_DIR at a folder.`);
  // As PostgreSQL itself: the owner only (0700), or with read access for the owner's group (0750).
  if ((existing.mode & 0o027) !== 0) {
    const mode = (existing.mode & 0o777).toString(8);
    throw new DatabaseConfigError(
      `The embedded database folder ${dataDir} can be read or changed by other users (mode ${mode}). ` +
        `Make it private, then start again: chmod -R go-rwx ${JSON.stringify(dataDir)}`,
    );
  }
}

/** Sets every file below `dataDir` to 0600 and every folder to 0700. */
export async function restrictFiles(dataDir: string): Promise<void> {
  const entries = await readdir(dataDir, { withFileTypes: true, recursive: true }).catch(() => []);
  await Promise.all(
    entries.map((entry) =>
      chmod(path.join(entry.parentPath, entry.name), entry.isDirectory() ? 0o700 : 0o600).catch(() => undefined),
    ),
  );
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the folder's lock for this process; returns its release.
 * @throws DatabaseConfigError when a live process holds it
 */
export async function lockDirectory(dataDir: string): Promise<() => Promise<void>> {
  const file = path.join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const handle = await open(file, 'wx', 0o600);
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return () => rm(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number((await readFile(file, 'utf8').catch(() => '')).trim());
    if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isRunning(holder)) {
      throw new DatabaseConfigError(
        `The embedded database in ${dataDir} is in use by another process (pid ${holder}), probably a running server. ` +
          "Stop it first: two processes writing one embedded database lose each other's changes.",
      );
    }
    if (holder === process.pid) {
      throw new DatabaseConfigError(
        `The embedded database in ${dataDir} is already open in this process: open it once and share it.`,
      );
    }
    await rm(file, { force: true }); // left by a process that is gone
  }
  throw new DatabaseConfigError(`Could not lock the embedded database in ${dataDir}: another process keeps taking it.`);
}
