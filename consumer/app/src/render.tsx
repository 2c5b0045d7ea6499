/**
 * The React bindings with the app's own React (18 here; the workspace tests 19): renders a component using the
 * hooks inside <AuditProvider> on the server, and checks that one copy of React serves both the app and the package.
 */
import { AuditProvider, useAuditList } from '@auditlog/react';
import { createRequire } from 'node:module';
import { version } from 'react';
import { renderToString } from 'react-dom/server';

function Count() {
  const { status } = useAuditList({ pageSize: 5 });
  return <p>{`entries: ${status}`}</p>;
}

const html = renderToString(
  <AuditProvider url="http://127.0.0.1:1">
    <Count />
  </AuditProvider>,
);
// The package's React must be the app's: a second copy would break hooks ("Invalid hook call").
const fromPackage = createRequire(createRequire(import.meta.url).resolve('@auditlog/react'))('react/package.json') as {
  version: string;
};
if (!html.includes('entries: pending') || fromPackage.version !== version) {
  process.stderr.write(`React ${version} render failed: ${html} (package sees React ${fromPackage.version})\n`);
  process.exit(1);
}
process.stdout.write(`React ${version}: rendered "${html}" with the app's own React\n`);
