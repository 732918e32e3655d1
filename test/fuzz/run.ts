// `npm run fuzz`: the long coverage-guided run of every target. New inputs
// that reach new code are saved into test/fuzz/corpus/<target>/ (commit the
// useful ones). Options: --runs N (per target, default 20000), --seed N,
// --target NAME. Exits non-zero on the first oracle failure, printing the input.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fuzz } from './engine.ts';
import { TARGETS } from './targets.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '20000' }, seed: { type: 'string' }, target: { type: 'string' } } });
const runs = Number(values.runs);
const seed = values.seed ? Number(values.seed) : Date.now() % 2 ** 31;
const corpus = path.join(import.meta.dirname, 'corpus');

for (const target of TARGETS.filter((t) => !values.target || t.name === values.target)) {
  const report = await fuzz(target, { seed, runs, corpusDir: path.join(corpus, target.name), saveNew: true });
  process.stdout.write(
    `${report.target}: ${report.executed} inputs, ${report.blocks} blocks covered, corpus ${report.corpus} (${report.saved} new saved), seed ${seed}\n`,
  );
}
