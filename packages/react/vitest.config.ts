import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'react',
    include: ['test/**/*.test.tsx'],
    environment: 'happy-dom',
    // A project config file does not inherit the root's timeouts: a real server on a fresh database needs them.
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
