import type { AppRouter } from '@auditlog/client';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { httpBatchLink, isTRPCClientError } from '@trpc/client';
import { useEffect, useMemo, useRef } from 'react';
import type { ReactNode } from 'react';
import { trpc } from './trpc.ts';

/** A WHATWG `fetch`: the browser's, Node's, undici's. */
type Fetch = NonNullable<Parameters<typeof httpBatchLink>[0]['fetch']>;

export interface AuditProviderProps {
  /** The audit server's base URL, e.g. `https://audit.internal` (`/trpc` is added). */
  url: string;
  /** Sent as `Authorization: Bearer <apiKey>`. Without it, the browser's session cookie is used. */
  apiKey?: string;
  /** Extra headers for every request (a request id, tracing). */
  headers?: Record<string, string>;
  /** Your app's QueryClient, to share its cache; by default the provider makes its own. */
  queryClient?: QueryClient;
  /** For tests and server-side rendering only: a `fetch` to use instead of the global one (e.g. undici's). */
  fetch?: Fetch;
  children: ReactNode;
}

/** Bad input, no session, a missing scope: trying again will not help. */
function retry(failureCount: number, error: Error): boolean {
  const status = isTRPCClientError<AppRouter>(error) ? error.data?.httpStatus : undefined;
  return !(status && status >= 400 && status < 500) && failureCount < 3;
}

/** Gives its children the audit hooks, talking to the server at `url`. */
export function AuditProvider({ url, apiKey, headers, queryClient, fetch: fetchImpl, children }: AuditProviderProps) {
  // Read when each request is sent, so new headers need no new client.
  const headersRef = useRef(headers);
  useEffect(() => {
    headersRef.current = headers;
  });

  // A new server or identity gets a fresh cache: one key's entries are never shown to another.
  const ownQueryClient = useMemo(() => new QueryClient({ defaultOptions: { queries: { retry } } }), [url, apiKey]);
  const trpcClient = useMemo(
    () =>
      trpc.createClient({
        links: [
          httpBatchLink({
            url: `${url.replace(/\/$/, '')}/trpc`,
            headers: () => ({ ...headersRef.current, ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) }),
            // Cookie sessions: the browser sends the session cookie with each request.
            fetch: (input, init) => (fetchImpl ?? globalThis.fetch)(input, { ...init, credentials: 'include' }),
          }),
        ],
      }),
    [url, apiKey, fetchImpl],
  );

  const client = queryClient ?? ownQueryClient;
  return (
    <trpc.Provider client={trpcClient} queryClient={client}>
      <QueryClientProvider client={client}>{children}</QueryClientProvider>
    </trpc.Provider>
  );
}
