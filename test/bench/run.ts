// `npm run bench`: every benchmark in order. A missing or failing module is
// reported and the rest still run; the bench is not a test, so it exits 0.
import os from 'node:os';
import { canPin } from './lib.ts';

// Each module exports `async function run(): Promise<void>`. Loaded by a computed
// specifier: audit.ts and kill-latency.ts are written by others and may be absent.
const BENCHES = ['dataplane', 'ledger', 'audit', 'kill-latency', 'control-plane', 'limits', 'soak', 'reload-latency'];
const load = (name: string): Promise<{ run?: () => Promise<void> }> => import(`./${name}.ts`);

const started = performance.now();
console.log(`keybrake bench: node ${process.version}, ${canPin() ? 'pinned with taskset (2 cores)' : 'unpinned (taskset or a second core missing)'}`);
const [load1 = 0] = os.loadavg();
// Other work on the two cores skews every figure, keybrake's most (it is pinned to one core).
if (load1 > 0.5)
  console.log(`WARNING: load average ${load1.toFixed(2)} before the bench: other processes compete for the cores; figures will be low and noisy.`);
// `node test/bench/run.ts dataplane soak` runs only the modules named.
const chosen = process.argv.slice(2).filter((a) => BENCHES.includes(a));
for (const name of chosen.length > 0 ? chosen : BENCHES) {
  const t0 = performance.now();
  try {
    const mod = await load(name);
    if (typeof mod.run !== 'function') throw new Error('exports no run()');
    await mod.run();
    console.log(`[${name}: ${((performance.now() - t0) / 1000).toFixed(1)} s]`);
  } catch (err) {
    const missing = (err as { code?: string }).code === 'ERR_MODULE_NOT_FOUND';
    console.log(`\n[${name}: ${missing ? 'not run' : 'failed'} — ${(err as Error).message}]`);
  }
}
console.log(`\nbench done in ${((performance.now() - started) / 1000).toFixed(0)} s`);
process.exit(0);
