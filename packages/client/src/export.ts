/**
 * Streams an export of the audit log (`GET /audit-logs/export`): the entries the list would show for `filters`, every
 * page of them, as CSV or NDJSON, read as they arrive. The server records the export (an `export` entry with the
 * filters) before it sends the first row.
 *
 *   const exported = await exportAuditLog({ url, apiKey }, { format: 'ndjson', filters: { action: 'delete' } });
 *   for await (const line of exported.lines()) handle(JSON.parse(line));
 *   // or: await pipeline(Readable.fromWeb(exported.body), createWriteStream('audit.ndjson'));
 */
import type { inferRouterInputs } from '@trpc/server';
import type { AppRouter } from './app-router.ts';
import type { AuditClientOptions } from './index.ts';

/** The list's filters (everything `audit.list` takes but its paging): the view to export. */
export type AuditExportFilters = Omit<inferRouterInputs<AppRouter>['audit']['list'], 'page' | 'pageSize' | 'cursor'>;

export interface AuditExportRequest {
  format?: 'csv' | 'ndjson';
  filters?: AuditExportFilters;
}

export interface AuditLogExport {
  /** How many entries follow. */
  total: number;
  /** The entry that records this export. */
  entryId: string;
  fileName: string;
  contentType: string;
  /** The bytes as they arrive: reading slowly slows the server's reads. */
  body: ReadableStream<Uint8Array>;
  /** The text line by line (a CSV's first line is its header). Read either `body` or `lines()`, once. */
  lines(): AsyncGenerator<string, void, undefined>;
}

/** A refused export: the server's status and message. */
export class AuditExportError extends Error {
  override name = 'AuditExportError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function* linesOf(body: ReadableStream<Uint8Array>, csv: boolean): AsyncGenerator<string, void, undefined> {
  const decoder = new TextDecoder();
  let rest = '';
  for await (const chunk of body) {
    rest += decoder.decode(chunk, { stream: true });
    // A CSV cell may hold a line break inside its quotes: a line ends only where the quotes are balanced. (NDJSON
    // never has a raw line break inside a line, and its escaped quotes do not count.)
    let start = 0;
    let quoted = false;
    for (let i = 0; i < rest.length; i++) {
      const char = rest[i];
      if (char === '"' && csv) quoted = !quoted;
      else if (char === '\n' && !quoted) {
        yield rest.slice(start, i).replace(/\r$/, '');
        start = i + 1;
      }
    }
    rest = rest.slice(start);
  }
  rest += decoder.decode();
  if (rest) yield rest;
}

export async function exportAuditLog(
  options: AuditClientOptions,
  request: AuditExportRequest = {},
): Promise<AuditLogExport> {
  const url = new URL(`${options.url.replace(/\/$/, '')}/audit-logs/export`);
  url.searchParams.set('format', request.format ?? 'csv');
  url.searchParams.set('input', JSON.stringify(request.filters ?? {}));
  const auth: Record<string, string> = options.apiKey
    ? { authorization: `Bearer ${options.apiKey}` }
    : { cookie: options.cookie ?? '' };
  const response = await (options.fetch ?? fetch)(url, { headers: { ...options.headers, ...auth } });
  if (!response.ok || !response.body) {
    const answer = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
    throw new AuditExportError(response.status, answer?.error?.message ?? `export failed: HTTP ${response.status}`);
  }
  const body = response.body;
  return {
    total: Number(response.headers.get('x-export-total') ?? 0),
    entryId: response.headers.get('x-export-entry') ?? '',
    fileName: /filename="([^"]+)"/.exec(response.headers.get('content-disposition') ?? '')?.[1] ?? '',
    contentType: response.headers.get('content-type') ?? '',
    body,
    lines: () => linesOf(body, (request.format ?? 'csv') === 'csv'),
  };
}
