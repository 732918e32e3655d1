// Memory under steady load (issue 15): keybrake with its defaults (SQLite ledger,
// SQLite audit, one spend cap) at a paced 1,000 req/s for KEYBRAKE_BENCH_SOAK_SECONDS
// (default 600), RSS sampled every 10 s. Prints the samples, the peak, and the
// growth from the first minute's mean to the last minute's.
import { BENCH_SECRETS, benchAgentKey, chargeHeaders, ms, printTable, rssMiB, runOpenLoop, startKeybrake, startUpstream, tenRulePolicy } from './lib.ts';

const RATE = 1_000;
const SAMPLE_MS = 10_000;

export async function run(): Promise<void> {
  const env = Number(process.env.KEYBRAKE_BENCH_SOAK_SECONDS);
  const seconds = Number.isFinite(env) && env > 0 ? env : 600;
  console.log(`\n== soak: keybrake defaults + one spend cap at a paced ${RATE} req/s for ${seconds} s, RSS every ${SAMPLE_MS / 1000} s`);
  const upstream = await startUpstream();
  const agent = benchAgentKey();
  const kb = await startKeybrake({
    policyYaml: tenRulePolicy(agent.sha256, { spendCap: true }),
    upstream,
    secrets: BENCH_SECRETS,
    ledger: 'sqlite',
    audit: 'sqlite',
  });
  const samples: Array<{ at: number; rss: number }> = [];
  const started = performance.now();
  const timer = setInterval(() => samples.push({ at: (performance.now() - started) / 1000, rss: rssMiB(kb.pid) }), SAMPLE_MS);
  try {
    const r = await runOpenLoop({ port: kb.port, headers: chargeHeaders(agent.key), rate: RATE, durationSec: seconds, warmupSec: 5, connections: 16 });
    clearInterval(timer);
    samples.push({ at: (performance.now() - started) / 1000, rss: rssMiB(kb.pid) });
    printTable(
      ['t', 'RSS'],
      samples.map((s) => [`${s.at.toFixed(0)} s`, `${s.rss.toFixed(1)} MiB`]),
    );
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const first = mean(samples.filter((s) => s.at <= 60).map((s) => s.rss));
    const last = mean(samples.filter((s) => s.at >= samples.at(-1)!.at - 60).map((s) => s.rss));
    console.log(
      `peak RSS ${Math.max(...samples.map((s) => s.rss)).toFixed(1)} MiB (target ≤ 150 MiB); first-minute mean ${first.toFixed(1)} MiB, last-minute mean ${last.toFixed(1)} MiB`,
    );
    console.log(
      `latency over the soak: p50 ${ms(r.latency.p50Ms)}, p99 ${ms(r.latency.p99Ms)}, max ${ms(r.latency.maxMs)}; sent ${r.sent}, non-2xx ${r.non2xx}, errors ${r.errors}, generator lag max ${ms(r.maxLagMs)}`,
    );
  } finally {
    clearInterval(timer);
    await kb.close();
    await upstream.close();
  }
}
