import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: the simulator, dynalite and the SDK share them with the test workers.
    maxWorkers: 2,
  },
});
