import { defineConfig } from 'vitest/config';

/** `npm run test:deep`: the million-step property run (test/deep/); shard with --shard=i/n. */
export default defineConfig({
  test: {
    include: ['test/deep/**/*.deep.test.ts'],
    pool: 'threads',
    testTimeout: 3_600_000,
  },
});
