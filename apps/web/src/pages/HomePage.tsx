import { A } from '@solidjs/router';
import type { Component } from 'solid-js';
import { Show } from 'solid-js';
import { useMe } from '../lib/session.tsx';
import { useTitle } from '../lib/title.ts';

export const HomePage: Component = () => {
  const me = useMe();
  useTitle(() => 'Overview');
  return (
    <div class="card">
      <div class="card-header">
        <div>
          <h1>Welcome{me.data ? `, ${me.data.name.split(' ')[0]}` : ''}</h1>
          <p>
            Clients, tickets, invoices and assets of your organization are recorded in the audit log as they change.
          </p>
        </div>
      </div>
      <div class="state">
        <Show
          when={me.data?.canReadAuditLog}
          fallback={
            <p>
              Your role ({me.data?.roleLabel}) does not include the audit log. Ask an administrator of your organization
              if you need it.
            </p>
          }
        >
          <A class="button primary" href="/admin/audit-logs">
            Open the audit log
          </A>
        </Show>
      </div>
    </div>
  );
};

export const NotFoundPage: Component = () => {
  useTitle(() => 'Page not found');
  return <NotFound />;
};

const NotFound: Component = () => (
  <div class="card">
    <div class="state full-page">
      <h2>Page not found</h2>
      <p>There is nothing at this address.</p>
      <A class="button" href="/">
        Back to home
      </A>
    </div>
  </div>
);
