import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'audit', include: ['test/**/*.test.ts'] },
});
