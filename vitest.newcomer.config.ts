import { defineConfig } from 'vitest/config';

// `npm run test:newcomer` (run by .ci/run after `npm test`): the scripted newcomer of issue 15 —
// npm pack, npm install of the tarball in a fresh folder, the README's example and the CLI by
// machine name. Not part of `npm test` (files end in .newcomer.ts): it took 88 s of wall time
// alone and 102 s inside `npm test` on the shared 2-core machine (~23 s of CPU: pack, install,
// tsc, six Node starts), over the ~60 s a step of `npm test` may take, and it needs the npm
// registry or npm's cache for the package's dependencies.
export default defineConfig({
  test: {
    include: ['test/newcomer/**/*.newcomer.ts'],
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 300_000,
  },
});
