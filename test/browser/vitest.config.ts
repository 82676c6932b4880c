import { defineConfig } from 'vitest/config';

// The browser suite (npm run test:browser): kept apart from `npm test`, whose include is test/**/*.test.ts.
export default defineConfig({
  test: {
    root: new URL('../..', import.meta.url).pathname,
    include: ['test/browser/**/*.spec.ts'],
    // One Chromium and one preview server for the whole suite; files run one after another.
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
