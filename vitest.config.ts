import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Outside node_modules, so the durations of the last run survive `npm ci` (every Node line
  // of .ci/run): vitest then starts the longest files first instead of the largest.
  cacheDir: '.cache/vite',
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
  },
});
