/**
 * Exports the current filtered view (every page) as CSV or NDJSON: the list's own input, streamed from
 * `GET /audit-logs/export`. The server records the export (an `export` entry with the filters) before it sends the
 * first row. Nothing of the file is kept in the page's memory (issue 13, item 9: bounded memory end to end):
 * - where the browser has a save dialog (the File System Access API: Chrome, Edge), the admin picks the file first and
 *   the response is piped into it chunk by chunk, the file's writes pacing the reads, with the entries written so far
 *   against the total the server announces, and a Cancel;
 * - elsewhere (Firefox, Safari) the download is handed to the browser, which streams it to disk itself and shows its
 *   progress in its downloads; the page says how many entries are coming (the list's total).
 */
import FileDown from 'lucide-solid/icons/file-down';
import X from 'lucide-solid/icons/x';
import { createSignal, onCleanup, Show } from 'solid-js';
import type { Component } from 'solid-js';
import { toListInput } from '../lib/filters.ts';
import type { Filters } from '../lib/filters.ts';

export const EXPORT_URL = '/audit-logs/export';

type Format = 'csv' | 'ndjson';

const FILE_TYPES: Record<Format, { description: string; accept: Record<string, string[]> }> = {
  csv: { description: 'CSV', accept: { 'text/csv': ['.csv'] } },
  ndjson: { description: 'NDJSON', accept: { 'application/x-ndjson': ['.ndjson'] } },
};

/** The browser's save dialog (not yet in TypeScript's DOM types); absent in Firefox and Safari. */
type SavePicker = (options: {
  suggestedName: string;
  types: (typeof FILE_TYPES)[Format][];
}) => Promise<FileSystemFileHandle>;
const savePicker = (): SavePicker | undefined =>
  (window as Window & { showSaveFilePicker?: SavePicker }).showSaveFilePicker?.bind(window);

/** The export's address: the list's input without its paging (every page is exported). */
export function exportUrl(filters: Filters, format: Format): string {
  const { page: _page, pageSize: _size, cursor: _cursor, ...input } = toListInput(filters, 1);
  return `${EXPORT_URL}?${new URLSearchParams({ format, input: JSON.stringify(input) })}`;
}

/** Passes the bytes through unchanged, counting the line ends as they go by. */
function lineCounter(onLines: (lines: number) => void): TransformStream<Uint8Array, Uint8Array> {
  let lines = 0;
  return new TransformStream({
    transform(chunk, controller) {
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
      onLines(lines);
      controller.enqueue(chunk);
    },
  });
}

const isAbort = (error: unknown) => error instanceof DOMException && error.name === 'AbortError';

/** The server's refusal in its words. */
async function refusalOf(response: Response): Promise<string> {
  const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
  return body?.error?.message ?? `The export could not be made (${response.status}).`;
}

export const ExportButton: Component<{ filters: Filters; total: number | undefined; disabled?: boolean }> = (props) => {
  const [format, setFormat] = createSignal<Format>('csv');
  const [progress, setProgress] = createSignal<{ done: number; total: number } | null>(null);
  const [message, setMessage] = createSignal<string | null>(null);
  let running: AbortController | undefined;
  onCleanup(() => running?.abort());

  /** Firefox and Safari: the browser fetches the export and writes it to disk as it arrives. */
  const handOver = (url: string) => {
    const link = document.createElement('a');
    link.href = url;
    link.download = '';
    link.click();
    const total = props.total;
    setMessage(
      `Your browser is downloading ${total === undefined ? 'the' : total.toLocaleString()} ${total === 1 ? 'entry' : 'entries'} as ${format().toUpperCase()}: its downloads show the progress.`,
    );
  };

  /** Chrome and Edge: the response goes into the chosen file a chunk at a time (the file's writes pace the reads). */
  const streamInto = async (file: FileSystemFileHandle, url: string) => {
    running = new AbortController();
    const { signal } = running;
    setProgress({ done: 0, total: props.total ?? 0 });
    try {
      const response = await fetch(url, { credentials: 'same-origin', signal });
      if (!response.ok || !response.body) return setMessage(await refusalOf(response));
      const total = Number(response.headers.get('x-export-total') ?? 0);
      const header = format() === 'csv' ? 1 : 0;
      const counted = response.body.pipeThrough(
        lineCounter((lines) => setProgress({ done: Math.min(Math.max(lines - header, 0), total), total })),
      );
      // pipeTo closes the file when the body ends (the file is then saved) and aborts it on an error or a Cancel
      // (the browser then discards what was written).
      await counted.pipeTo(await file.createWritable(), { signal });
      setMessage(`Exported ${total.toLocaleString()} entries as ${format().toUpperCase()} to ${file.name}.`);
    } catch {
      setMessage(
        signal.aborted
          ? 'Export cancelled: nothing was saved.'
          : 'The export broke off: check the connection and try again.',
      );
    } finally {
      running = undefined;
      setProgress(null);
    }
  };

  // The save dialog opens first, within the click (a browser allows it only then), and before the server records
  // an export: a dialog cancelled exports nothing.
  const start = async () => {
    setMessage(null);
    const url = exportUrl(props.filters, format());
    const picker = savePicker();
    if (!picker) return handOver(url);
    let file: FileSystemFileHandle;
    try {
      file = await picker({
        suggestedName: `audit-log-${new Date().toISOString().slice(0, 10)}.${format()}`,
        types: [FILE_TYPES[format()]],
      });
    } catch (error) {
      // Cancelled: nothing happens. Refused (an embedding page's policy, say): the browser downloads it instead.
      return isAbort(error) ? undefined : handOver(url);
    }
    await streamInto(file, url);
  };

  const percent = () => {
    const p = progress();
    return p && p.total ? Math.floor((p.done / p.total) * 100) : 0;
  };

  return (
    <div class="evidence-pack export-view">
      <select
        class="select small"
        aria-label="Export format"
        value={format()}
        disabled={progress() !== null}
        onChange={(event) => setFormat(event.currentTarget.value as Format)}
      >
        <option value="csv">CSV</option>
        <option value="ndjson">NDJSON</option>
      </select>
      {/* One button, Export then Cancel: the focus stays on it while the export runs. */}
      <button
        type="button"
        class="button small"
        disabled={props.disabled && !progress()}
        title="Every entry of the filtered view, as stored; the export is itself recorded in the log"
        onClick={() => (progress() ? running?.abort() : void start())}
      >
        <Show when={progress()} fallback={<FileDown aria-hidden size={14} />}>
          <X aria-hidden size={14} />
        </Show>
        {progress() ? 'Cancel export' : 'Export'}
      </button>
      <Show when={progress()}>
        {(p) => (
          <>
            <progress max={p().total || 1} value={p().done} aria-label="Export progress" />
            <span class="muted num" role="status">
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
