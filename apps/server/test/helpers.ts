/**
 * Shared helpers for the HTTP tests: raw tRPC calls over `fetch` (for status codes, headers and cookies) and errors of
 * the typed client. Seeding entries and the API's order come from the API's test fixtures, shared with its
 * procedure tests.
 */
export { asTestSetup as asSetup, newestFirst, seedEntries, storedEntries } from '@auditlog/api/testing';
export type { SeedEntry, SeededEntry } from '@auditlog/api/testing';

/** tRPC's error body, as shaped by the server's errorFormatter. */
export interface TrpcErrorBody {
  message: string;
  code: number;
  data: {
    code: string;
    httpStatus: number;
    path?: string;
    issues: { path: string; message: string }[] | null;
  };
}

export interface RawResponse<T = unknown> {
  status: number;
  headers: Headers;
  /** The parsed body: `{ result: { data } }` or `{ error }`; null when it was not JSON. */
  body: { result?: { data: T }; error?: TrpcErrorBody } | null;
  /** Shortcuts into `body`. */
  data: T | undefined;
  error: TrpcErrorBody | undefined;
  text: string;
}

async function toRaw<T>(response: Response): Promise<RawResponse<T>> {
  const text = await response.text();
  let body: RawResponse<T>['body'];
  try {
    body = JSON.parse(text) as RawResponse<T>['body'];
  } catch {
    body = null;
  }
  return {
    status: response.status,
    headers: response.headers,
    body,
    data: body?.result?.data,
    error: body?.error,
    text,
  };
}

/** GET /trpc/<path>?input=<json>: a tRPC query, not batched. `input: undefined` sends no input at all. */
export async function rawQuery<T = unknown>(
  baseUrl: string,
  path: string,
  input?: unknown,
  headers: Record<string, string> = {},
): Promise<RawResponse<T>> {
  const query = input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`;
  return toRaw<T>(await fetch(`${baseUrl}/trpc/${path}${query}`, { headers }));
}

/** POST /trpc/<path> with a JSON body: a tRPC mutation, not batched. A string `body` is sent as is. */
export async function rawMutation<T = unknown>(
  baseUrl: string,
  path: string,
  input?: unknown,
  headers: Record<string, string> = {},
  options: { rawBody?: string } = {},
): Promise<RawResponse<T>> {
  const body = options.rawBody ?? (input === undefined ? undefined : JSON.stringify(input));
  return toRaw<T>(
    await fetch(`${baseUrl}/trpc/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    }),
  );
}

export const bearer = (key: string): Record<string, string> => ({ authorization: `Bearer ${key}` });
export const withCookie = (cookie: string): Record<string, string> => ({ cookie });

/** What the typed client throws (TRPCClientError), reduced to what the tests compare. */
export interface ClientFailure {
  message: string;
  code: string | undefined;
  httpStatus: number | undefined;
}

/** Awaits `promise`, which must reject with a tRPC client error; returns its code, status and message. */
export async function failureOf(promise: Promise<unknown>): Promise<ClientFailure> {
  try {
    await promise;
  } catch (error) {
    if (!(error instanceof Error)) throw error;
    const data = (error as Error & { data?: { code?: string; httpStatus?: number } | null }).data;
    return { message: error.message, code: data?.code, httpStatus: data?.httpStatus };
  }
  throw new Error('Expected the call to fail, but it succeeded.');
}
