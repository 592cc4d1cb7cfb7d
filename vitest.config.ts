import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'examples/**/*.test.ts'],
    exclude: ['test/deep/**', 'node_modules/**', 'dist/**', '.stryker-tmp/**'],
    pool: 'threads',
    setupFiles: ['test/setup/fast-check.ts'],
    testTimeout: 30_000,
  },
});
