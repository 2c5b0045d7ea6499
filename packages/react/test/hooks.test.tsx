/**
 * The hooks against a real server on each engine: what a component renders once the network answers, no mocks.
 */
import { testEngines } from '@auditlog/db/testing';
import { startTestServer } from '@auditlog/server/testing';
import type { TestOrganization, TestServer } from '@auditlog/server/testing';
import { cleanup, configure, fireEvent, render, screen } from '@testing-library/react';
import { useState } from 'react';
import { fetch as undiciFetch } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AuditProvider, useAuditEntry, useAuditList, useRecordAuditEntry } from '../src/index.ts';
import type { AuditProviderProps } from '../src/index.ts';

/**
 * Node's own fetch. happy-dom's enforces the browser's same-origin policy, and the API serves no CORS: its pages and
 * API share an origin. (undici's types and the DOM's differ; at run time this is the fetch Node has built in.)
 */
const nodeFetch = undiciFetch as AuditProviderProps['fetch'];

const REQUEST_ID = 'react-test-request-1';

// A cold server's first answer can take more than the default second.
configure({ asyncUtilTimeout: 10_000 });

function RecordButton({ action, entityId }: { action: string; entityId: string }) {
  const record = useRecordAuditEntry();
  return (
    <div>
      <button
        onClick={() => record.mutate({ action, entityType: 'invoice', entityId, metadata: { format: 'csv', rows: 3 } })}
      >
        Record {action}
      </button>
      {record.data && <p>Recorded {record.variables?.action}</p>}
      {record.error && <p role="alert">Record failed: {`${record.error.data?.code}: ${record.error.message}`}</p>}
    </div>
  );
}

function EntryDetails({ id }: { id: string | undefined }) {
  const entry = useAuditEntry(id);
  if (!entry.data) return null;
  const { actor, metadata, requestId } = entry.data;
  return (
    <section>
      <p>Actor: {`${actor.type} ${'name' in actor ? (actor.name ?? '') : ''}`}</p>
      <p>Request: {requestId}</p>
      <ul>
        {Object.entries(metadata ?? {}).map(([key, value]) => (
          <li key={key}>{`${key} = ${JSON.stringify(value)}`}</li>
        ))}
      </ul>
    </section>
  );
}

function AuditPanel() {
  const list = useAuditList({ action: 'export' });
  const [selected, setSelected] = useState<string>();
  return (
    <main>
      <RecordButton action="sync" entityId="inv-7" />
      <RecordButton action="export" entityId="inv-42" />
      {list.error && (
        <>
          <p role="alert">List failed: {`${list.error.data?.code}: ${list.error.message}`}</p>
          <p>Attempts: {list.failureCount}</p>
        </>
      )}
      {list.data && (
        <>
          <p>Total: {list.data.total}</p>
          <ul>
            {list.data.items.map((item) => (
              <li key={item.id}>
                <button onClick={() => setSelected(item.id)}>{`${item.entity.type} ${item.entity.id}`}</button>
              </li>
            ))}
          </ul>
        </>
      )}
      <EntryDetails id={selected} />
    </main>
  );
}

describe.each(testEngines)('React hooks on %s', (engine) => {
  let server: TestServer;
  let org: TestOrganization;

  beforeAll(async () => {
    server = await startTestServer(engine);
    org = await server.createOrganization();
  });
  afterAll(() => server?.close());
  afterEach(cleanup);

  const renderPanel = (apiKey: string) =>
    render(
      <AuditProvider url={server.url} apiKey={apiKey} headers={{ 'x-request-id': REQUEST_ID }} fetch={nodeFetch}>
        <AuditPanel />
      </AuditProvider>,
    );

  it('records an action, lists it and shows its details', async () => {
    renderPanel(await org.createApiKey(['audit:read', 'audit:write'], 'Export Service'));
    expect(await screen.findByText('Total: 0')).toBeTruthy();

    // Another action: not in the list, which shows exports only.
    fireEvent.click(screen.getByRole('button', { name: 'Record sync' }));
    expect(await screen.findByText('Recorded sync')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Record export' }));
    expect(await screen.findByText('Recorded export')).toBeTruthy();

    // Recording invalidates the list, which refetches on its own.
    expect(await screen.findByText('Total: 1')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'invoice inv-7' })).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'invoice inv-42' }));

    // An API key acts as System under its name; the request id comes from the provider's headers.
    expect(await screen.findByText('Actor: system Export Service')).toBeTruthy();
    expect(screen.getByText(`Request: ${REQUEST_ID}`)).toBeTruthy();
    expect(screen.getByText('format = "csv"')).toBeTruthy();
    expect(screen.getByText('rows = 3')).toBeTruthy();
  });

  it('renders FORBIDDEN when the key may read but not write', async () => {
    renderPanel(await org.createApiKey(['audit:read']));
    // Reading works: the export recorded above is there.
    expect(await screen.findByText('Total: 1')).toBeTruthy();

    fireEvent.click(screen.getByRole('button', { name: 'Record export' }));
    expect(
      await screen.findByText('Record failed: FORBIDDEN: This API key does not have the audit:write scope.'),
    ).toBeTruthy();
    expect(screen.queryByText('Recorded export')).toBeNull();
  });

  it('renders FORBIDDEN when the key may write but not read', async () => {
    renderPanel(await org.createApiKey(['audit:write']));
    expect(
      await screen.findByText('List failed: FORBIDDEN: This API key does not have the audit:read scope.'),
    ).toBeTruthy();
    // A 4xx is not retried: the error shows after one attempt, not four.
    expect(screen.getByText('Attempts: 1')).toBeTruthy();
  });

  it('renders UNAUTHORIZED for a key the server does not know', async () => {
    renderPanel('alk_not-a-real-key');
    expect(
      await screen.findByText('List failed: UNAUTHORIZED: The API key is invalid, revoked or expired.'),
    ).toBeTruthy();
    expect(screen.getByText('Attempts: 1')).toBeTruthy();
  });
});
