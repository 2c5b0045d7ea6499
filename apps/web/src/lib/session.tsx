/** Who is signed in (`auth.me`), and the guard that sends signed-out visits to the login page and back. */
import { useNavigate, useLocation } from '@solidjs/router';
import { useQuery, useQueryClient } from '@tanstack/solid-query';
import type { JSX, ParentComponent } from 'solid-js';
import { createEffect, Show } from 'solid-js';
import { api } from './api.ts';
import type { Me } from './api.ts';

export const ME_KEY = ['auth.me'] as const;

export function useMe() {
  return useQuery(() => ({ queryKey: ME_KEY, queryFn: () => api.auth.me.query(), staleTime: 60_000 }));
}

/** `/login?next=/admin/audit-logs%3Faction%3Ddelete` for the current page. */
export function loginPathFor(location: { pathname: string; search: string }): string {
  const next = `${location.pathname}${location.search}`;
  return next === '/' ? '/login' : `/login?next=${encodeURIComponent(next)}`;
}

/** Only a same-site path is followed after login, never another origin. */
export function safeNext(next: string | undefined): string {
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

export const RequireSignIn: ParentComponent<{ fallback?: JSX.Element }> = (props) => {
  const me = useMe();
  const navigate = useNavigate();
  const location = useLocation();
  createEffect(() => {
    if (me.isSuccess && !me.data) navigate(loginPathFor(location), { replace: true });
  });
  return <Show when={me.data}>{props.children}</Show>;
};

export function useSignOut() {
  const client = useQueryClient();
  const navigate = useNavigate();
  return async () => {
    try {
      await api.auth.logout.mutate();
    } finally {
      client.clear();
      client.setQueryData<Me | null>(ME_KEY, null);
      navigate('/login', { replace: true });
    }
  };
}
