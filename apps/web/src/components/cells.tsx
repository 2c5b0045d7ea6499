/** What the table's cells show; the details dialog reuses them. */
import { entityTypeLabel } from '@auditlog/audit/catalog';
import type { Component } from 'solid-js';
import { Match, Show, Switch } from 'solid-js';
import CircleHelp from 'lucide-solid/icons/circle-question-mark';
import Cog from 'lucide-solid/icons/cog';
import UserX from 'lucide-solid/icons/user-x';
import type { AuditEntrySummary } from '../lib/api.ts';
import { formatDay, formatFull, formatTimeOfDay, isSameDay, relativeTime } from '../lib/time.ts';
import { displayZone, zoneAbbreviation, zoneLabel } from '../lib/zone.ts';

/** "2 hours ago" over "14:32" today; before today the date too ("3 days ago" over "Nov 28 · 14:32"). */
export const TimestampCell: Component<{ at: string; now: Date }> = (props) => {
  const date = () => new Date(props.at);
  return (
    <time class="two-line num" datetime={props.at} title={formatFull(date())}>
      <span>{relativeTime(date(), props.now)}</span>
      <span class="secondary">
        <Show when={!isSameDay(date(), props.now)}>{formatDay(date(), props.now)} · </Show>
        {formatTimeOfDay(date())}
      </span>
    </time>
  );
};

/** The Timestamp column's header names the zone the times are in. */
export const TimestampHeader: Component = () => (
  <span title={`Times in ${zoneLabel(displayZone())}`}>
    Timestamp <span class="zone-hint">({zoneAbbreviation(displayZone())})</span>
  </span>
);

export const ActorCell: Component<{ actor: AuditEntrySummary['actor'] }> = (props) => (
  <Switch>
    <Match when={props.actor.type === 'user' ? props.actor : undefined}>
      {(user) => (
        <div class="two-line">
          <span title={user().name}>{user().name}</span>
          <Show when={user().email}>
            {(email) => (
              <span class="secondary" title={email()}>
                {email()}
              </span>
            )}
          </Show>
        </div>
      )}
    </Match>
    <Match when={props.actor.type === 'system' ? props.actor : undefined}>
      {(system) => (
        <div class="two-line">
          <span class="system">
            <Cog aria-hidden /> System
          </span>
          <Show when={system().name}>{(name) => <span class="secondary">{name()}</span>}</Show>
        </div>
      )}
    </Match>
    <Match when={props.actor.type === 'anonymous' ? props.actor : undefined}>
      {(anonymous) => (
        <div class="two-line" title="Nobody was verified: the email is what the caller typed, not who they are.">
          <span class="system">
            <UserX aria-hidden /> Unverified
          </span>
          <Show when={anonymous().attemptedEmail} fallback={<span class="secondary">not signed in</span>}>
            {(email) => (
              <span class="secondary" title={email()}>
                attempted as {email()}
              </span>
            )}
          </Show>
        </div>
      )}
    </Match>
    <Match when={props.actor.type === 'unattributed' ? props.actor : undefined}>
      {(unattributed) => (
        <div
          class="two-line"
          title={
            unattributed().reason === 'malformed_context'
              ? 'The write carried an audit context the database could not read.'
              : 'Written outside any audit context: the application did not say who acted.'
          }
        >
          <span class="system unattributed">
            <CircleHelp aria-hidden /> Unattributed
          </span>
          <span class="secondary">
            {unattributed().reason === 'malformed_context' ? 'unreadable context' : 'no audit context'}
          </span>
        </div>
      )}
    </Match>
  </Switch>
);

/** A label that is an id (a shortened one, or the id itself) reads in monospace; a name does not. */
const isIdLabel = (entity: AuditEntrySummary['entity']) => entity.label === entity.id || entity.label.startsWith('…');

export const EntityCell: Component<{ entity: AuditEntrySummary['entity'] }> = (props) => (
  <div class="two-line">
    <span class="entity-type">{entityTypeLabel(props.entity.type)}</span>
    <Show
      when={props.entity.exists !== false}
      fallback={
        <span title={`${props.entity.label} (${props.entity.id}, no longer exists)`}>
          <span classList={{ mono: isIdLabel(props.entity) }}>{props.entity.label}</span>{' '}
          <span class="deleted">deleted</span>
        </span>
      }
    >
      <span
        title={props.entity.exists === null ? `${props.entity.label} (${props.entity.id})` : props.entity.label}
        classList={{ mono: props.entity.exists === null && isIdLabel(props.entity) }}
      >
        {props.entity.label}
      </span>
    </Show>
  </div>
);

export const IpCell: Component<{ ip: string | null }> = (props) => (
  <Show
    when={props.ip}
    fallback={
      <span class="dash" aria-label="No IP address">
        —
      </span>
    }
  >
    {(ip) => <span class="mono">{ip()}</span>}
  </Show>
);
