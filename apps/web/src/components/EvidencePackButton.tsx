/**
 * Downloads the evidence pack (decision 015) for the page's date filter: a tar of the sealed entries, their proofs,
 * the signed blocks, the public key and a verify.mjs an auditor runs offline. Fetched first, so that a refusal (no
 * sealed entries in the range, a range too long) is a message on the page instead of a JSON page in a new tab.
 */
import Download from 'lucide-solid/icons/download';
import { createSignal, Show } from 'solid-js';
import type { Component } from 'solid-js';
import { packRange } from '../lib/filters.ts';
import type { Filters } from '../lib/filters.ts';

export const EVIDENCE_PACK_URL = '/audit-logs/evidence-pack';

export const EvidencePackButton: Component<{ filters: Filters; disabled?: boolean }> = (props) => {
  const [busy, setBusy] = createSignal(false);
  const [message, setMessage] = createSignal<string | null>(null);

  const download = async () => {
    setBusy(true);
    setMessage(null);
    try {
      const { from, to } = packRange(props.filters, new Date());
      const response = await fetch(`${EVIDENCE_PACK_URL}?${new URLSearchParams({ from, to })}`, {
        credentials: 'same-origin',
      });
      if (!response.ok) {
        const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
        setMessage(body?.error?.message ?? `The evidence pack could not be downloaded (${response.status}).`);
        return;
      }
      const name = /filename="([^"]+)"/.exec(response.headers.get('content-disposition') ?? '')?.[1];
      const url = URL.createObjectURL(await response.blob());
      const link = document.createElement('a');
      link.href = url;
      link.download = name ?? 'evidence-pack.tar';
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      setMessage('Evidence pack downloaded: unpack it and run node verify.mjs in its folder.');
    } catch {
      setMessage('The evidence pack could not be downloaded: check the connection and try again.');
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="evidence-pack">
      <button
        type="button"
        class="button small"
        disabled={busy() || props.disabled}
        title="Sealed entries of the dates filtered (or the last 400 days), with proofs an auditor checks offline"
        onClick={() => void download()}
      >
        <Download aria-hidden size={14} />
        {busy() ? 'Preparing…' : 'Download evidence pack'}
      </button>
      <Show when={message()}>
        <span class="muted" role="status">
          {message()}
        </span>
      </Show>
    </div>
  );
};
