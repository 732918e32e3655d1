// Issue 2's bench: Stripe-shaped charges.create form POSTs over keep-alive, in
// one run, (a) straight to the static upstream, (b) through nginx doing TLS
// termination and a header swap only, (c) through keybrake with the ten-rule
// policy on `--ledger memory --audit none` (the pure data-plane figure: no
// ledger or audit store I/O; the stdout audit line is still written). A bare
// Node forwarder (node-floor.ts) is measured too, as the floor for Node.
// Maximum throughput with wrk; added latency with a fixed-rate open loop.
import {
  BENCH_SECRETS, CORES, REAL_STRIPE_KEY, STRIPE_HOST,
  benchAgentKey, benchSeconds, chargeHeaders, ms, us, nginxInstalled, printTable, rate, ratio,
  runOpenLoop, runWrk, startHeaderSwapProxy, startNodeFloor, startKeybrake, startUpstream, tenRulePolicy,
  type LoadResult, type OpenLoopResult,
} from './lib.ts';

const FIXED_RATE = 500;
const CONNECTIONS = 32;

interface Contender {
  name: string;
  port: number;
  headers: Record<string, string>;
  /** The process measured (CPU per request). */
  pid?: number;
  /** wrk's core: never the core of the server measured. */
  loadCore: number;
  close(): Promise<void>;
}

export async function run(): Promise<void> {
  const seconds = benchSeconds(10);
  console.log(`\n== data plane: Stripe charges.create form POSTs, keep-alive, wrk -t1 -c${CONNECTIONS}, ${seconds} s each`);
  console.log('   keybrake: ten-rule policy, --ledger memory --audit none (pure data plane: no ledger/audit store I/O)');
  const upstream = await startUpstream();
  console.log(`   upstream: ${upstream.kind}, one worker, fixed charge JSON, on core ${CORES.load}; proxies on core ${CORES.server}`);
  const agent = benchAgentKey();
  const contenders: Contender[] = [
    // Direct: the upstream is the server measured, so wrk takes the other core.
    { name: 'direct', port: upstream.port, pid: upstream.pid, headers: chargeHeaders(REAL_STRIPE_KEY), loadCore: CORES.server, close: async () => {} },
  ];
  try {
    if (nginxInstalled()) {
      const nginx = await startHeaderSwapProxy({ host: STRIPE_HOST, upstream, authorization: `Bearer ${REAL_STRIPE_KEY}` });
      contenders.push({ name: 'nginx', port: nginx.port, pid: nginx.pid, headers: chargeHeaders(agent.key), loadCore: CORES.load, close: nginx.close });
    } else {
      console.log('   nginx is not installed: skipping the nginx baseline (apt-get install nginx-light)');
    }
    const floor = await startNodeFloor({ host: STRIPE_HOST, upstream, authorization: `Bearer ${REAL_STRIPE_KEY}` });
    contenders.push({ name: 'node floor', port: floor.port, pid: floor.pid, headers: chargeHeaders(agent.key), loadCore: CORES.load, close: floor.close });
    const kb = await startKeybrake({ policyYaml: tenRulePolicy(agent.sha256), upstream, secrets: BENCH_SECRETS, ...profiling() });
    contenders.push({ name: 'keybrake', port: kb.port, pid: kb.pid, headers: chargeHeaders(agent.key), loadCore: CORES.load, close: () => kb.close() });

    const max = new Map<string, LoadResult>();
    for (const c of contenders) {
      max.set(c.name, await runWrk({ port: c.port, headers: c.headers, connections: CONNECTIONS, durationSec: seconds, warmupSec: 2, core: c.loadCore, serverPid: c.pid }));
    }
    const fixed = new Map<string, OpenLoopResult>();
    for (const c of contenders.filter((c) => c.name !== 'node floor')) {
      fixed.set(c.name, await runOpenLoop({ port: c.port, headers: c.headers, rate: FIXED_RATE, durationSec: seconds, warmupSec: 1 }));
    }
    report(max, fixed, seconds);
  } finally {
    for (const c of contenders) await c.close();
    await upstream.close();
  }
}

function report(max: Map<string, LoadResult>, fixed: Map<string, OpenLoopResult>, seconds: number): void {
  console.log('\nmaximum throughput (closed loop)');
  printTable(
    ['target', 'req/s', 'p50', 'p99', 'CPU/req', 'non-2xx', 'errors'],
    [...max].map(([name, r]) => [name, rate(r.rps), ms(r.p50Ms), ms(r.p99Ms), us(r.cpuUsPerRequest), String(r.non2xx), String(r.socketErrors)]),
  );
  console.log('(CPU/req: CPU time of the server measured per request, all its threads; less sensitive than req/s to other load on the machine)');
  const kb = max.get('keybrake')?.rps ?? NaN;
  const nginx = max.get('nginx')?.rps;
  console.log(`keybrake/direct: ${ratio(kb, max.get('direct')?.rps ?? NaN)}`);
  console.log(`keybrake/node floor: ${ratio(kb, max.get('node floor')?.rps ?? NaN)}   (node floor: TLS + undici forward + header swap, nothing else)`);
  if (nginx !== undefined) {
    console.log(`keybrake/nginx:  ${ratio(kb, nginx)}   (target ≥ 35%)`);
    const cpu = (name: string) => max.get(name)?.cpuUsPerRequest ?? NaN;
    console.log(`by CPU per request, nginx/keybrake: ${ratio(cpu('nginx'), cpu('keybrake'))}   (the same ratio, free of other load)`);
  }

  console.log(`\nfixed rate: ${FIXED_RATE} req/s for ${seconds} s (open loop, latency to the last response byte)`);
  printTable(
    ['target', 'p50', 'p99', 'max', 'non-2xx', 'errors', 'gen lag'],
    [...fixed].map(([name, r]) => [name, ms(r.latency.p50Ms), ms(r.latency.p99Ms), ms(r.latency.maxMs), String(r.non2xx), String(r.errors), ms(r.maxLagMs)]),
  );
  const added = (fixed.get('keybrake')?.latency.p99Ms ?? NaN) - (fixed.get('direct')?.latency.p99Ms ?? NaN);
  console.log(`p99 added by keybrake (keybrake p99 − direct p99): ${ms(added)}   (target ≤ 1 ms)`);
  const refused = [...max.values(), ...fixed.values()].some((r) => r.non2xx > 0);
  if (refused) console.log('WARNING: some responses were not 2xx: those figures are not of forwarded calls.');
}

/** KEYBRAKE_BENCH_PROFILE=DIR: the keybrake process writes a V8 CPU profile there on exit. */
function profiling(): { nodeArgs?: string[] } {
  const dir = process.env.KEYBRAKE_BENCH_PROFILE;
  if (!dir) return {};
  console.log(`   profiling keybrake: --cpu-prof into ${dir}`);
  return { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`] };
}
