/**
 * Shared StrykerJS settings for `npm run test:mutation` (issue 14 item 11). Not part of
 * `npm test` or CI: a full run takes tens of minutes. Each module has its own config beside
 * this file that names the code to mutate and only the tests that exercise it, so one run
 * stays in minutes. Scores and excluded mutants: docs/mutation-testing.md.
 */
export function mutationConfig(name, mutate, testFiles) {
  return {
    packageManager: 'npm',
    testRunner: 'vitest',
    plugins: ['@stryker-mutator/vitest-runner'],
    // the project's vitest settings with isolate: false (see that file: ~3x less import time)
    vitest: { configFile: 'test/mutation/vitest.mutation.config.ts', related: false },
    coverageAnalysis: 'perTest',
    concurrency: Number(process.env.STRYKER_CONCURRENCY ?? 2),
    mutate,
    testFiles,
    // the sandbox needs only what the tests import
    ignorePatterns: ['.stryker-tmp', 'dist', 'dist-bench', 'docs', 'playground', 'bench', 'examples', 'reports', 'native'],
    // one sandbox folder per module, so two modules can run at once (each run deletes its own)
    tempDirName: `.stryker-tmp/${name}`,
    reporters: ['clear-text', 'progress', 'html', 'json'],
    htmlReporter: { fileName: `reports/mutation/${name}.html` },
    jsonReporter: { fileName: `reports/mutation/${name}.json` },
    thresholds: { high: 90, low: 85, break: null },
    timeoutMS: 10_000,
    // re-runs only mutants whose code or covering tests changed since the last run
    incremental: true,
    incrementalFile: `reports/mutation/${name}-incremental.json`,
  };
}
