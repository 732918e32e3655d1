// The short, seeded pass of every coverage-guided fuzz target (the long run
// is `npm run fuzz`). Each target starts from its corpus in
// test/fuzz/corpus/<target>/ and tries a fixed number of mutated inputs; a
// failure message carries the input (base64) so it can be added to the corpus.
import { once } from 'node:events';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import type { FuzzOptions, FuzzReport } from './engine.ts';
import { TARGETS } from './targets.ts';

const CORPUS = path.join(import.meta.dirname, 'corpus');
// Kept small: each input also costs a V8 coverage snapshot. `npm run fuzz` runs far more.
const RUNS: Record<string, number> = { clienthello: 400, http: 200, form: 600, json: 400, packs: 400, graphql: 400 };

/** Runs in a worker thread (see worker.ts): its coverage snapshots see only the target's modules. */
async function fuzzInWorker(name: string, options: FuzzOptions): Promise<FuzzReport> {
  const worker = new Worker(new URL('./worker.ts', import.meta.url), { workerData: { name, options } });
  const [report] = (await once(worker, 'message')) as [FuzzReport];
  await worker.terminate();
  return report;
}

describe('fuzz (seeded, short)', () => {
  for (const target of TARGETS) {
    it(`${target.name}: no oracle failure in ${RUNS[target.name]} mutated inputs, and coverage guides the search`, async () => {
      const report = await fuzzInWorker(target.name, { seed: 20261202, runs: RUNS[target.name] ?? 500, corpusDir: path.join(CORPUS, target.name) });
      expect(report.executed).toBeGreaterThan(RUNS[target.name] ?? 500);
      // Coverage was seen (the guidance works) and some mutants reached new blocks.
      expect(report.blocks).toBeGreaterThan(10);
      expect(report.corpus).toBeGreaterThan(3);
    }, 120_000);
  }
});
