import { defineConfig } from 'vitest/config';

// End-to-end tests in a real browser (Debian's chromium, driven by playwright-core).
// Not part of `npm test` (files end in .e2e.ts, which its config does not pick up): CI may
// lack chromium. Run with `npm run test:e2e`, which first runs scripts/e2e/prepare.sh (it
// installs Debian's chromium with apt-get when /usr/bin/chromium is missing and we are root).
// One file at a time: each starts its own vite server and browser, and the machine is small.
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.e2e.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
