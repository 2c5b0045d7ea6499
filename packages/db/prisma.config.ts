import { defineConfig } from 'prisma/config';

// Prisma's CLI is used here only for `prisma generate`. Migrations run on the WebAssembly schema engine through
// `@auditlog/tooling` (`packages/tooling/src/migrate/cli.ts`), so no schema-engine binary is ever downloaded.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
});
