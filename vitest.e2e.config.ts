import { defineConfig } from 'vitest/config';

// End-to-end tests in a real browser (Debian's chromium, driven by playwright-core).
// Not part of `npm test` (files end in .e2e.ts, which its config does not pick up): CI may
// lack chromium. Run with `npm run test:e2e`.
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.e2e.ts'],
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
