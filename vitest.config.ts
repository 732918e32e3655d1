import path from 'node:path';
import { defineConfig } from 'vitest/config';

// Every keybrake process a test starts (CLI, proxy, controller) is `node src/….ts`: Node's
// compile cache keeps the stripped and compiled modules between those starts, which
// takes about a third off each start's CPU. Children inherit it through the environment.
process.env.NODE_COMPILE_CACHE ??= path.resolve(import.meta.dirname, 'node_modules/.cache/keybrake-test-compile');

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Hang guards only, never a measure of speed: on a loaded two-core machine starting a
    // child process can take tens of seconds. Timings belong in `npm run bench`.
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
    // Test files share a worker's module cache: importing the source tree once per worker
    // instead of once per file was most of the suite's CPU. Tests own no global state
    // (no env or global stubs); the one module mock resets the registry itself.
    isolate: false,
    // Most files wait on sockets, databases and child processes, not the CPU: two at a
    // time keeps a two-core machine busy (vitest's default is cores - 1 = one file at a time).
    maxWorkers: 2,
    // .ci/run (with or without CI set) asks for a machine-readable result it turns into a plain "N passed, N failed" line.
    reporters: process.env.KEYBRAKE_TEST_REPORT ? ['default', ['json', { outputFile: process.env.KEYBRAKE_TEST_REPORT }]] : ['default'],
  },
});
