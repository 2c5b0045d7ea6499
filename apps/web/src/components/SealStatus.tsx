/**
 * The log's tamper evidence, for the admin (decision 015): a status line under the page header (sealed through
 * when, last verified when), and a visible alert when the last verification found a broken link.
 */
import { useQuery } from '@tanstack/solid-query';
import ShieldAlert from 'lucide-solid/icons/shield-alert';
import ShieldCheck from 'lucide-solid/icons/shield-check';
import { Match, Show, Switch } from 'solid-js';
import type { Component } from 'solid-js';
import { api } from '../lib/api.ts';
import type { AuditEntryDetail } from '../lib/api.ts';
import { formatExact, formatFull, relativeTime } from '../lib/time.ts';

const when = (iso: string, now: Date) => (
  <time datetime={iso} title={formatFull(new Date(iso))}>
    {relativeTime(new Date(iso), now)}
  </time>
);

export const SealStatusLine: Component<{ now: Date }> = (props) => {
  const status = useQuery(() => ({
    queryKey: ['audit.sealStatus'],
    queryFn: () => api.audit.sealStatus.query(),
    retry: false,
  }));
  return (
    <Show when={status.data}>
      {(data) => (
        <Switch>
          <Match when={data().lastVerification?.ok === false ? data().lastVerification : undefined}>
            {(failed) => (
              <div class="alert seal-alert" role="alert">
                <ShieldAlert aria-hidden size={16} />
                <span>
                  <strong>The log failed verification</strong> {when(failed().verifiedAt, props.now)}:{' '}
                  {failed().failure ?? 'a link is broken'}. Entries may have been changed or removed outside the
                  application; run <code>pnpm audit:verify</code> and keep the database as it is.
                </span>
              </div>
            )}
          </Match>
          <Match when={true}>
            <p class="seal-status muted">
              <ShieldCheck aria-hidden size={14} />
              <Show when={data().sealedThrough} fallback={<span>Not sealed yet.</span>}>
                {(through) => (
                  <span>
                    Sealed through <time datetime={through()}>{formatExact(new Date(through()))}</time> (
                    {data().sealedEntries.toLocaleString()} entries, last sealed{' '}
                    {when(data().lastSealedAt ?? through(), props.now)})
                  </span>
                )}
              </Show>
              <RetentionNote retention={data().retention} />
              <span>
                <Show when={data().lastVerification} fallback={'Never verified.'}>
                  {(verified) => <>Verified intact {when(verified().verifiedAt, props.now)}.</>}
                </Show>
              </span>
            </p>
          </Match>
        </Switch>
      )}
    </Show>
  );
};

/** PCI DSS 10.5.1 asks for 12 months of history: a shorter retention is shown as a warning. */
const RetentionNote: Component<{ retention: { days: number; legalHold: boolean } }> = (props) => (
  <Switch>
    <Match when={props.retention.legalHold}>
      <span>Legal hold: nothing is removed.</span>
    </Match>
    <Match when={props.retention.days < 365}>
      <strong class="seal-warning">
        Kept {props.retention.days} days: under 12 months, less than PCI DSS 10.5.1 asks for.
      </strong>
    </Match>
    <Match when={true}>
      <span>Kept {props.retention.days} days.</span>
    </Match>
  </Switch>
);

/** The entry's line in the details dialog: which block seals it, or why none does yet. */
export const EntrySealFact: Component<{ seal: AuditEntryDetail['seal'] }> = (props) => (
  <Show
    when={props.seal.sealed}
    fallback={<span class="muted">Not sealed yet (entries are sealed once their day is final)</span>}
  >
    <span>
      Sealed in block <span class="num">{props.seal.block}</span>
      <Show when={props.seal.sealedAt}>
        {(at) => (
          <span class="muted">
            {' '}
            · <time datetime={at()}>{formatExact(new Date(at()))}</time>
          </span>
        )}
      </Show>
    </span>
  </Show>
);
