import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Training tests run real epochs; on a shared 2-core machine they need headroom.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
