import { A } from '@solidjs/router';
import type { ParentComponent } from 'solid-js';
import { Show } from 'solid-js';
import LayoutDashboard from 'lucide-solid/icons/layout-dashboard';
import LogOut from 'lucide-solid/icons/log-out';
import ScrollText from 'lucide-solid/icons/scroll-text';
import Shield from 'lucide-solid/icons/shield';
import { useMe, useSignOut } from '../lib/session.tsx';

/** The signed-in layout: sidebar with the Admin section, top bar with the user and Sign out. */
export const Shell: ParentComponent = (props) => {
  const me = useMe();
  const signOut = useSignOut();
  return (
    <div class="shell">
      <a
        class="skip-link"
        href="#main"
        onClick={(event) => {
          event.preventDefault();
          document.getElementById('main')?.focus();
        }}
      >
        Skip to content
      </a>
      <nav class="sidebar" aria-label="Main">
        <A href="/" class="brand">
          <Shield aria-hidden /> Ledgerline
        </A>
        <div class="nav-section">
          <A href="/" end class="nav-link" activeClass="active">
            <LayoutDashboard aria-hidden /> Overview
          </A>
        </div>
        <div class="nav-section" aria-labelledby="nav-admin">
          <div class="nav-heading" id="nav-admin">
            Admin
          </div>
          <A href="/admin/audit-logs" class="nav-link" activeClass="active">
            <ScrollText aria-hidden /> Audit Logs
          </A>
        </div>
      </nav>
      <div class="main">
        <header class="topbar">
          <Show when={me.data}>
            {(user) => (
              <div class="who">
                <span>{user().name}</span>
                <span class="role">{user().roleLabel}</span>
              </div>
            )}
          </Show>
          <button type="button" class="button small" onClick={() => void signOut()}>
            <LogOut aria-hidden /> Sign out
          </button>
        </header>
        <main class="content" id="main" tabindex="-1">
          {props.children}
        </main>
      </div>
    </div>
  );
};
