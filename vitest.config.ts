import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Most files wait on sockets and child processes, not the CPU: three at a time
    // keeps a two-core machine busy (vitest's default is cores - 1 = one file at a time).
    maxWorkers: 3,
    // .ci/run (with or without CI set) asks for a machine-readable result it turns into a plain "N passed, N failed" line.
    reporters: process.env.KEYBRAKE_TEST_REPORT ? ['default', ['json', { outputFile: process.env.KEYBRAKE_TEST_REPORT }]] : ['default'],
  },
});
