import { useNavigate, useSearchParams } from '@solidjs/router';
import { useQueryClient } from '@tanstack/solid-query';
import type { Component } from 'solid-js';
import { createSignal, Show } from 'solid-js';
import Shield from 'lucide-solid/icons/shield';
import { api, errorCode, errorMessage } from '../lib/api.ts';
import { ME_KEY, safeNext } from '../lib/session.tsx';
import { useTitle } from '../lib/title.ts';

export const LoginPage: Component = () => {
  const [params] = useSearchParams<{ next?: string }>();
  const navigate = useNavigate();
  const client = useQueryClient();
  const [error, setError] = createSignal<string | null>(null);
  const [pending, setPending] = createSignal(false);
  useTitle(() => 'Sign in');

  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    setPending(true);
    setError(null);
    try {
      const me = await api.auth.login.mutate({
        email: String(form.get('email') ?? ''),
        password: String(form.get('password') ?? ''),
      });
      client.setQueryData(ME_KEY, me);
      navigate(safeNext(params.next), { replace: true });
    } catch (caught) {
      setError(errorCode(caught) === 'BAD_REQUEST' ? 'Enter your email address and password.' : errorMessage(caught));
    } finally {
      setPending(false);
    }
  };

  return (
    <div class="login-page">
      <form class="card login-card" onSubmit={submit} aria-labelledby="login-title" novalidate>
        <span class="brand">
          <Shield aria-hidden /> Ledgerline
        </span>
        <h1 id="login-title">Sign in</h1>
        <Show when={error()}>
          <div class="alert" role="alert" id="login-error">
            {error()}
          </div>
        </Show>
        <div class="field">
          <label for="email">Email</label>
          <input
            class="input"
            id="email"
            name="email"
            type="email"
            autocomplete="username"
            required
            autofocus
            aria-invalid={error() ? 'true' : undefined}
            aria-describedby={error() ? 'login-error' : undefined}
          />
        </div>
        <div class="field">
          <label for="password">Password</label>
          <input
            class="input"
            id="password"
            name="password"
            type="password"
            autocomplete="current-password"
            required
            aria-invalid={error() ? 'true' : undefined}
          />
        </div>
        <button type="submit" class="button primary" disabled={pending()}>
          {pending() ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </div>
  );
};
