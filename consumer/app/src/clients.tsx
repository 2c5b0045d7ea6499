/**
 * The typed clients, as another team uses them: typechecked against the published declarations only (no server
 * source is installed), and imported by plain node. `node dist/clients.js` prints the procedures it can call.
 */
import { createAuditClient, MAX_BATCH_SIZE } from '@auditlog/client';
import type { RouterInputs, RouterOutputs } from '@auditlog/client';
import { AuditProvider, useAuditList } from '@auditlog/react';
import type { ReactNode } from 'react';

const client = createAuditClient({ url: 'http://127.0.0.1:1', apiKey: 'ak_example' });

export async function exportsOfToday(): Promise<RouterOutputs['audit']['list']['items']> {
  const input: RouterInputs['audit']['list'] = { action: 'export', startDate: new Date().toISOString(), pageSize: 50 };
  const page = await client.audit.list.query(input);
  const first = page.items[0];
  if (first?.actor.type === 'user') process.stdout.write(`${first.actor.name}: ${first.entity.label}\n`);
  return page.items;
}

export async function recordExport(id: string): Promise<string> {
  const entry = await client.audit.record.mutate({ action: 'export', entityType: 'invoice', entityId: id });
  return entry.createdAt;
}

export function AuditPanel(): ReactNode {
  const { data } = useAuditList({ pageSize: 10 });
  return data ? `${data.total} entries` : 'loading';
}

export function App({ children }: { children: ReactNode }): ReactNode {
  return <AuditProvider url="https://audit.example.test">{children}</AuditProvider>;
}

process.stdout.write(
  `typed clients loaded (${typeof App}, ${typeof AuditPanel}): batches of ${MAX_BATCH_SIZE}, ${typeof client.audit.get.query}\n`,
);
