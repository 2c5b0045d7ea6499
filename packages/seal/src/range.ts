/**
 * Checking a run of consecutive blocks against their entries: the part of verification that reads every entry. The
 * single-thread verifier runs it over all blocks; the parallel one (parallel.ts) over ranges of blocks in worker
 * threads, each range starting strictly after the signed last entry of the block before it. A range reads on past
 * its own last block as one pass would (at most a page further), so when the ranges before it pass, it sees exactly
 * the entries one pass would see there, and reports exactly the failure one pass would.
 */
import { entryTextOfRow, leafHashOfText, positionOfRow } from './canonical.ts';
import type { EntryRow, EntryText } from './canonical.ts';
import type { SignedBlock } from './checkpoint.ts';
import { merkleRoot } from './merkle.ts';
import type { SqlClient } from './sql.ts';
import { readEntryRows, readLeaves } from './store.ts';
import type { EntryPosition } from './store.ts';

/** A broken link, without the organization (the caller knows it). */
export interface BlockFailure {
  block: number | null;
  entryId: string | null;
  problem: string;
  expected?: string;
  found?: string;
}

const PAGE = 10_000;

/**
 * Entries in list order strictly after `start`, read in pages (the next one asked for while this one is hashed);
 * checks order and id times as it goes. The order check starts from `start` itself, so a first entry the database
 * returns out of place is caught too.
 */
export class EntryReader {
  private buffer: EntryRow[] = [];
  private at = 0;
  private done = false;
  private pending: Promise<EntryRow[]> | null = null;
  private position: EntryPosition | null;
  private previous: EntryPosition | null;
  count = 0;

  constructor(
    private readonly sql: SqlClient,
    private readonly organizationId: string,
    start: EntryPosition | null,
  ) {
    this.position = start;
    this.previous = start;
  }

  /**
   * The next entry of the page at hand, without waiting (undefined when the page is used up). Its canonical text is
   * built here, to be hashed at once and dropped: a page of those strings kept alive cost more than building them.
   */
  nextNow(): EntryText | undefined {
    return this.take(entryTextOfRow);
  }

  /** The next entry, reading the next page when needed; null at the end. */
  next(): Promise<EntryText | null> {
    return this.nextAs(entryTextOfRow);
  }

  /** As `next`, but only the entry's id and time: the unsealed tail is checked for order, never hashed. */
  nextPosition(): Promise<EntryPosition | null> {
    return this.nextAs(positionOfRow);
  }

  private take<T>(read: (row: EntryRow) => T): T | undefined {
    const row = this.buffer[this.at];
    if (row === undefined) return undefined;
    this.at += 1;
    this.count += 1;
    return read(row);
  }

  private async nextAs<T>(read: (row: EntryRow) => T): Promise<T | null> {
    const entry = this.take(read);
    if (entry !== undefined) return entry;
    if (!(await this.fill())) return null;
    return this.take(read) ?? null;
  }

  /** Takes the page already asked for and asks for the next at once, so the database works while we hash. */
  private async fill(): Promise<boolean> {
    if (this.done) return false;
    const page = await (this.pending ?? this.fetch());
    this.buffer = page;
    this.at = 0;
    this.done = page.length < PAGE;
    this.pending = this.done ? null : this.fetch();
    // A page fetched ahead and never used must not become an unhandled rejection.
    this.pending?.catch(() => undefined);
    return page.length > 0;
  }

  private fetch(): Promise<EntryRow[]> {
    const after = this.position;
    const range = { after, before: null, limit: PAGE };
    return readEntryRows(this.sql, this.organizationId, range).then((rows) => {
      const last = rows[rows.length - 1];
      if (last) this.position = positionOfRow(last);
      return rows;
    });
  }

  /** Why `entry` is out of order after the previous one, or null. */
  orderProblem(entry: EntryPosition): string | null {
    const { createdAt, id } = entry;
    const ms = this.millisecondsOf(createdAt);
    const idMs = Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
    if (id[14] !== '7' || idMs !== ms)
      return `its id is not the UUIDv7 of its time (id time ${new Date(idMs).toISOString()}, entry time ${createdAt})`;
    const previous = this.previous;
    this.previous = { createdAt, id };
    if (!previous) return null;
    if (createdAt < previous.createdAt || (createdAt === previous.createdAt && id <= previous.id))
      return `it lists after ${previous.id} (${previous.createdAt}) but is not later`;
    return null;
  }

  private day = '';
  private dayStart = 0;

  /**
   * The millisecond of the database's UTC time text (`2026-12-04T01:02:03.456789Z`, microseconds cut as
   * Date.parse cuts them), without parsing a date per entry: the day's start is parsed once per day.
   */
  private millisecondsOf(iso: string): number {
    if (iso.length !== 27 || iso.charCodeAt(10) !== 0x54) return Date.parse(iso);
    const day = iso.slice(0, 10);
    if (day !== this.day) {
      this.day = day;
      this.dayStart = Date.parse(`${day}T00:00:00Z`);
    }
    const seconds = twoDigits(iso, 11) * 3600 + twoDigits(iso, 14) * 60 + twoDigits(iso, 17);
    return this.dayStart + seconds * 1000 + twoDigits(iso, 20) * 10 + iso.charCodeAt(22) - 48;
  }
}

/** The number written by the two digits at `at`. */
function twoDigits(text: string, at: number): number {
  return (text.charCodeAt(at) - 48) * 10 + text.charCodeAt(at + 1) - 48;
}

export interface RangeResult {
  entries: number;
  failure: BlockFailure | null;
}

/**
 * Checks `blocks` (consecutive, headers already checked) against the entries after `start`: every leaf, root, and
 * header fact. The reader is returned so a single pass can go on into the tail.
 */
export async function checkRange(
  sql: SqlClient,
  organizationId: string,
  blocks: readonly SignedBlock[],
  start: { link: { sealedThrough: string } | null; after: EntryPosition | null },
): Promise<RangeResult & { reader: EntryReader }> {
  const reader = new EntryReader(sql, organizationId, start.after);
  let link = start.link;
  for (const block of blocks) {
    const failure = await checkBlockEntries(sql, block, link, reader);
    if (failure) return { entries: reader.count, failure, reader };
    link = block;
  }
  return { entries: reader.count, failure: null, reader };
}
/** Reads the block's entries, recomputes its root and compares every fact the header states. */
async function checkBlockEntries(
  sql: SqlClient,
  block: SignedBlock,
  previous: { sealedThrough: string } | null,
  reader: EntryReader,
): Promise<BlockFailure | null> {
  // Asked for first, on the pool's other connection, so it arrives while the entries are hashed.
  const storedLeaves = readLeaves(sql, block.organizationId, block.sequence);
  storedLeaves.catch(() => undefined);
  const entries: EntryPosition[] = [];
  const leaves: Buffer[] = [];
  for (let i = 0; i < block.entryCount; i++) {
    const entry = reader.nextNow() ?? (await reader.next());
    if (!entry) break;
    const order = reader.orderProblem(entry);
    if (order) return { block: block.sequence, entryId: entry.id, problem: `entry out of order: ${order}` };
    if (previous && entry.createdAt < previous.sealedThrough)
      return {
        block: block.sequence,
        entryId: entry.id,
        problem: `the entry is dated ${entry.createdAt}, inside the range the previous block sealed (before ${previous.sealedThrough}), but in no block`,
      };
    // Its id and time only: the canonical text is garbage once hashed.
    entries.push({ id: entry.id, createdAt: entry.createdAt });
    leaves.push(leafHashOfText(entry.canonical));
  }
  const stored = await storedLeaves;
  const root = merkleRoot(leaves).toString('hex');
  if (root !== block.merkleRoot)
    return locateDifference(
      block,
      entries,
      leaves.map((leaf) => leaf.toString('hex')),
      stored.match(/.{64}/g) ?? [],
      root,
    );
  if (stored !== Buffer.concat(leaves).toString('hex'))
    return {
      block: block.sequence,
      entryId: null,
      problem: "the block's stored leaf hashes were changed (its entries are intact)",
    };
  return checkEnds(block, entries);
}

/**
 * The header's first and last entry (time and id) against the block's entries. The last id matters beyond this
 * block: the next range of a parallel pass starts strictly after it, so the ranges meet exactly where one pass would.
 */
function checkEnds(block: SignedBlock, entries: readonly EntryPosition[]): BlockFailure | null {
  const first = entries[0];
  const last = entries[entries.length - 1];
  const found = first && last ? `${first.id} (${first.createdAt})…${last.id} (${last.createdAt})` : 'none';
  const expected = `${block.firstEntryId} (${block.firstCreatedAt})…${block.lastEntryId} (${block.lastCreatedAt})`;
  if (expected !== found)
    return {
      block: block.sequence,
      entryId: last ? last.id : null,
      problem: 'the block header names other first or last entries than its entries',
      expected,
      found,
    };
  return null;
}

/**
 * The root differs: names the first entry whose leaf differs from the block's stored leaves, when those still hash
 * to the signed root (otherwise they were changed too, and only the block can be named).
 */
function locateDifference(
  block: SignedBlock,
  entries: readonly EntryPosition[],
  leaves: readonly string[],
  stored: readonly string[],
  root: string,
): BlockFailure {
  const storedRoot = merkleRoot(stored.map((leaf) => Buffer.from(leaf, 'hex'))).toString('hex');
  const expected = `root ${block.merkleRoot} over ${block.entryCount} entries`;
  const found = `root ${root} over ${entries.length} entries`;
  const at = { block: block.sequence };
  if (storedRoot !== block.merkleRoot)
    return {
      ...at,
      entryId: null,
      expected,
      found,
      problem: "the block's entries were changed (and its stored leaves, so the entry cannot be named)",
    };
  const i =
    Array.from({ length: Math.max(stored.length, leaves.length) }, (_, n) => n).find((n) => leaves[n] !== stored[n]) ??
    0;
  const entry = entries[i];
  const problem = entry
    ? `entry ${i + 1} of the block differs from what was sealed (edited, inserted, removed or moved)`
    : `the block's entries end at ${entries.length}: ${block.entryCount - entries.length} sealed entries are missing`;
  return {
    ...at,
    entryId: entry ? entry.id : null,
    problem,
    expected: `leaf ${stored[i] ?? '(none)'}`,
    found: `leaf ${leaves[i] ?? '(none)'}`,
  };
}
