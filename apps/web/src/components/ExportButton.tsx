/**
 * Exports the current filtered view (every page) as CSV or NDJSON: the list's own input, streamed from
 * `GET /audit-logs/export`, with the entries received so far against the total the server announces. The server
 * records the export (an `export` entry with the filters) before it sends the first row.
 */
import FileDown from 'lucide-solid/icons/file-down';
import { createSignal, Show } from 'solid-js';
import type { Component } from 'solid-js';
import { toListInput } from '../lib/filters.ts';
import type { Filters } from '../lib/filters.ts';

export const EXPORT_URL = '/audit-logs/export';

type Format = 'csv' | 'ndjson';

/** Reads the body, counting lines as they arrive; the chunks make the file. */
async function readAll(body: ReadableStream<Uint8Array>, onLines: (lines: number) => void): Promise<Uint8Array[]> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let lines = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return chunks;
    chunks.push(value);
    for (let i = value.indexOf(10); i !== -1; i = value.indexOf(10, i + 1)) lines++;
    onLines(lines);
  }
}

export const ExportButton: Component<{ filters: Filters; disabled?: boolean }> = (props) => {
  const [format, setFormat] = createSignal<Format>('csv');
  const [progress, setProgress] = createSignal<{ done: number; total: number } | null>(null);
  const [message, setMessage] = createSignal<string | null>(null);

  const start = async () => {
    setMessage(null);
    setProgress({ done: 0, total: 0 });
    try {
      const { page: _page, pageSize: _size, cursor: _cursor, ...input } = toListInput(props.filters, 1);
      const query = new URLSearchParams({ format: format(), input: JSON.stringify(input) });
      const response = await fetch(`${EXPORT_URL}?${query}`, { credentials: 'same-origin' });
      if (!response.ok || !response.body) {
        const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
        setMessage(body?.error?.message ?? `The export could not be made (${response.status}).`);
        return;
      }
      const total = Number(response.headers.get('x-export-total') ?? 0);
      const header = format() === 'csv' ? 1 : 0;
      const chunks = await readAll(response.body, (lines) =>
        setProgress({ done: Math.min(Math.max(lines - header, 0), total), total }),
      );
      const name = /filename="([^"]+)"/.exec(response.headers.get('content-disposition') ?? '')?.[1];
      const url = URL.createObjectURL(
        new Blob(chunks as BlobPart[], { type: response.headers.get('content-type') ?? '' }),
      );
      const link = document.createElement('a');
      link.href = url;
      link.download = name ?? `audit-log.${format()}`;
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      setMessage(`Exported ${total.toLocaleString()} entries as ${format().toUpperCase()}.`);
    } catch {
      setMessage('The export broke off: check the connection and try again.');
    } finally {
      setProgress(null);
    }
  };

  const percent = () => {
    const p = progress();
    return p && p.total ? Math.floor((p.done / p.total) * 100) : 0;
  };

  return (
    <div class="evidence-pack export-view">
      <select
        class="small"
        aria-label="Export format"
        value={format()}
        disabled={progress() !== null}
        onChange={(event) => setFormat(event.currentTarget.value as Format)}
      >
        <option value="csv">CSV</option>
        <option value="ndjson">NDJSON</option>
      </select>
      <button
        type="button"
        class="button small"
        disabled={progress() !== null || props.disabled}
        title="Every entry of the filtered view, as stored; the export is itself recorded in the log"
        onClick={() => void start()}
      >
        <FileDown aria-hidden size={14} />
        {progress() ? 'Exporting…' : 'Export'}
      </button>
      <Show when={progress()}>
        {(p) => (
          <>
            <progress max={p().total || 1} value={p().done} aria-label="Export progress" />
            <span class="muted" role="status">
              {p().done.toLocaleString()} of {p().total.toLocaleString()} entries ({percent()}%)
            </span>
          </>
        )}
      </Show>
      <Show when={!progress() && message()}>
        <span class="muted" role="status">
          {message()}
        </span>
      </Show>
    </div>
  );
};
