import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Hang guards only, never a measure of speed: on a loaded two-core machine starting a
    // child process can take tens of seconds. Timings belong in `npm run bench`.
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
    // Most files wait on sockets, databases and child processes, not the CPU: two at a
    // time keeps a two-core machine busy (vitest's default is cores - 1 = one file at a time).
    maxWorkers: 2,
    // .ci/run (with or without CI set) asks for a machine-readable result it turns into a plain "N passed, N failed" line.
    reporters: process.env.KEYBRAKE_TEST_REPORT ? ['default', ['json', { outputFile: process.env.KEYBRAKE_TEST_REPORT }]] : ['default'],
  },
});
