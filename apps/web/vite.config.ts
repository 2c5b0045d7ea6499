import { defineConfig } from 'vite';
import solid from 'vite-plugin-solid';

export default defineConfig({
  plugins: [solid()],
  build: {
    target: 'es2022',
    outDir: 'dist',
    // The budget is checked by a test against the built files (README: first visit ≤ 60 kB gzip).
    reportCompressedSize: true,
  },
  server: {
    // `pnpm --filter @auditlog/web dev` next to `pnpm start`: the API stays on the server's port.
    proxy: {
      '/trpc': 'http://localhost:3000',
      '/healthz': 'http://localhost:3000',
      '/audit-logs/evidence-pack': 'http://localhost:3000',
    },
  },
});
