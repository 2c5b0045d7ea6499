/**
 * The list's User, Entity and IP cells, clickable: a click filters the list by that user, record or address (added
 * to the current filters); the entity cell also links to the record's history. The cells themselves (cells.tsx) stay
 * as the details view shows them; here a transparent button covers each one.
 */
import { entityTypeLabel } from '@auditlog/audit/catalog';
import type { Component } from 'solid-js';
import { Show } from 'solid-js';
import History from 'lucide-solid/icons/rotate-ccw-clock';
import type { AuditEntrySummary } from '../lib/api.ts';
import { actorParam, historyHref, recordParam } from '../lib/filters.ts';
import type { Filters } from '../lib/filters.ts';
import { ActorCell, EntityCell, IpCell } from './cells.tsx';

type Filter = (next: Partial<Filters>) => void;
type Actor = AuditEntrySummary['actor'];

/** The actor filter a row's actor stands for, and how to name it. */
function actorFilter(actor: Actor): { value: string; name: string } | null {
  switch (actor.type) {
    case 'user':
      return actor.id ? { value: actorParam({ type: 'user', id: actor.id }), name: actor.name } : null;
    case 'system':
      return {
        value: actorParam(actor.name ? { type: 'system', name: actor.name } : { type: 'system' }),
        name: actor.name ? `System (${actor.name})` : 'System',
      };
    case 'anonymous':
      return { value: 'anonymous', name: 'anonymous callers' };
    case 'unattributed':
      return { value: 'unattributed', name: 'unattributed writes' };
  }
}

export const FilterableActor: Component<{ actor: Actor; onFilter: Filter }> = (props) => (
  <div class="filterable">
    <ActorCell actor={props.actor} />
    <Show when={actorFilter(props.actor)}>
      {(filter) => (
        <button
          type="button"
          class="cell-filter"
          title={`Show only entries by ${filter().name}`}
          aria-label={`Filter by ${filter().name}`}
          onClick={() => props.onFilter({ actor: filter().value })}
        />
      )}
    </Show>
  </div>
);

export const FilterableEntity: Component<{ entity: AuditEntrySummary['entity']; onFilter: Filter }> = (props) => (
  <div class="filterable">
    <EntityCell entity={props.entity} />
    <button
      type="button"
      class="cell-filter"
      title={`Show only entries of this ${entityTypeLabel(props.entity.type).toLowerCase()}`}
      aria-label={`Filter by ${entityTypeLabel(props.entity.type)} ${props.entity.label}`}
      onClick={() =>
        props.onFilter({ record: recordParam({ entityType: props.entity.type, entityId: props.entity.id }) })
      }
    />
    <a
      class="cell-history-link"
      href={historyHref(props.entity)}
      title="History of this record"
      aria-label={`History of ${entityTypeLabel(props.entity.type)} ${props.entity.label}`}
    >
      <History aria-hidden />
    </a>
  </div>
);

export const FilterableIp: Component<{ ip: string | null; onFilter: Filter }> = (props) => (
  <div class="filterable">
    <IpCell ip={props.ip} />
    <Show when={props.ip}>
      {(ip) => (
        <button
          type="button"
          class="cell-filter"
          title={`Show only entries from ${ip()}`}
          aria-label={`Filter by IP ${ip()}`}
          onClick={() => props.onFilter({ ip: ip() })}
        />
      )}
    </Show>
  </div>
);
