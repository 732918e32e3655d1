// Shared helpers for the benchmarks (npm run bench): one import point for the
// static upstream, the nginx baseline, a keybrake process, the wrk and
// fixed-rate load generators and percentiles. Each lives in its own module.
//
// Typical use:
//   const upstream = await startUpstream();
//   const agent = benchAgentKey();
//   const kb = await startKeybrake({ policyYaml: tenRulePolicy(agent.sha256), upstream, secrets: BENCH_SECRETS });
//   const max = await runWrk({ port: kb.port, headers: chargeHeaders(agent.key) });
//   const fixed = await runOpenLoop({ port: kb.port, headers: chargeHeaders(agent.key), rate: 500, durationSec: 10 });
//   await kb.close(); await upstream.close();
//
// Placement on 2 cores: the server under test on CORES.server,
// wrk / the open-loop generator and the upstream on CORES.load.

export { CORES, canPin, cpuSeconds, hasCommand, rssMiB, spawnPinned, stopChild, tempDir, waitForPort, runToEnd } from './procs.ts';
export { percentile, median, p99, summarize, type LatencySummary } from './stats.ts';
export { STRIPE_HOST, CHARGE_PATH, CHARGE_AMOUNT, CHARGE_FORM, CHARGE_RESPONSE, chargeHeaders, type LoadTarget } from './stripe-load.ts';
export { startUpstream, type BenchUpstream } from './upstream.ts';
export { nginxInstalled, startHeaderSwapProxy, type NginxServer } from './nginx.ts';
export { startNodeFloor, FLOOR_MODES, type NodeFloor, type FloorMode } from './node-floor.ts';
export { writeServerTls, type ServerTls } from './tls-files.ts';
export { startKeybrake, type KeybrakeOptions, type KeybrakeProcess } from './keybrake.ts';
export { tenRulePolicy, benchAgentKey, BENCH_SECRETS, REAL_STRIPE_KEY, type BenchPolicyOptions } from './policies.ts';
export { runWrk, type WrkOptions, type LoadResult } from './wrk.ts';
export { runOpenLoop, type OpenLoopOptions, type OpenLoopResult } from './open-loop.ts';
export { printTable, ms, us, rate, ratio } from './report.ts';

/** Seconds per measured run: `KEYBRAKE_BENCH_SECONDS` overrides the default (quick local checks). */
export function benchSeconds(defaultSec: number): number {
  const v = Number(process.env.KEYBRAKE_BENCH_SECONDS);
  return Number.isFinite(v) && v > 0 ? v : defaultSec;
}
