// The data-plane bench (issue 15): Stripe-shaped charges.create form POSTs over
// keep-alive, in ONE run, against: the upstream directly; nginx doing TLS
// termination and a header swap; three bare Node forwarders (node-floor.ts:
// Pool.request — "the forwarder" every ratio is taken against — then
// Pool.stream and Pool.dispatch); and keybrake with the ten-rule policy in each
// configuration: its defaults (SQLite ledger, SQLite audit), one spend cap on
// SQLite, one spend cap on Redis with the audit in PostgreSQL, the pure data
// plane (memory ledger, no audit store), and the defaults with --workers 2.
// Maximum throughput with wrk (closed loop), then a paced 500 req/s open loop.
// KEYBRAKE_BENCH_ONLY=name,name runs only those rows (quick comparisons).
import { startPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { startRedis, type TestRedis } from '../helpers/redis.ts';
import {
  BENCH_SECRETS,
  CORES,
  FLOOR_MODES,
  REAL_STRIPE_KEY,
  STRIPE_HOST,
  benchAgentKey,
  benchSeconds,
  chargeHeaders,
  nginxInstalled,
  rssMiB,
  runOpenLoop,
  runWrk,
  startHeaderSwapProxy,
  startNodeFloor,
  startKeybrake,
  startUpstream,
  tenRulePolicy,
  type BenchUpstream,
} from './lib.ts';
import { reportDataPlane, type Row } from './dataplane-report.ts';

const FIXED_RATE = 500;
const CONNECTIONS = 32;

interface Contender {
  name: string;
  note: string;
  start(): Promise<{ port: number; pid: number; headers: Record<string, string>; loadCore: number; close(): Promise<void> }>;
}

export async function run(): Promise<void> {
  const seconds = benchSeconds(10);
  console.log(`\n== data plane: Stripe charges.create form POSTs, keep-alive, wrk -t1 -c${CONNECTIONS}, ${seconds} s each, then a paced ${FIXED_RATE} req/s`);
  const upstream = await startUpstream();
  console.log(
    `   upstream: ${upstream.kind}, one worker, fixed charge JSON, on core ${CORES.load}; servers measured on core ${CORES.server} (--workers 2: unpinned)`,
  );
  const only = process.env.KEYBRAKE_BENCH_ONLY?.split(',').map((s) => s.trim());
  const stores: { redis?: TestRedis; pg?: TestPostgres } = {};
  const rows: Row[] = [];
  try {
    for (const c of contenders(upstream, stores)) {
      if (only && !only.includes(c.name)) continue;
      let server;
      try {
        server = await c.start();
      } catch (err) {
        console.log(`   ${c.name}: not run — ${(err as Error).message.split('\n')[0]}`);
        continue;
      }
      try {
        const target = { port: server.port, headers: server.headers };
        const max = await runWrk({ ...target, connections: CONNECTIONS, durationSec: seconds, warmupSec: 2, core: server.loadCore, serverPid: server.pid });
        const rss = rssMiB(server.pid);
        const paced = await runOpenLoop({ ...target, rate: FIXED_RATE, durationSec: seconds, warmupSec: 1 });
        rows.push({ name: c.name, note: c.note, max, paced, rssMiB: rss });
      } finally {
        await server.close();
      }
    }
  } finally {
    await stores.redis?.cleanup();
    await stores.pg?.cleanup();
    await upstream.close();
  }
  reportDataPlane(rows, { rate: FIXED_RATE, seconds });
}

function contenders(upstream: BenchUpstream, stores: { redis?: TestRedis; pg?: TestPostgres }): Contender[] {
  const agent = benchAgentKey();
  const agentHeaders = chargeHeaders(agent.key);
  const authorization = `Bearer ${REAL_STRIPE_KEY}`;
  const keybrake = (
    name: string,
    note: string,
    o: { ledger: () => Promise<string> | string; audit: () => Promise<string> | string; spendCap?: boolean; args?: string[]; unpinned?: boolean },
  ): Contender => ({
    name,
    note,
    start: async () => {
      const kb = await startKeybrake({
        policyYaml: tenRulePolicy(agent.sha256, { spendCap: o.spendCap }),
        upstream,
        secrets: BENCH_SECRETS,
        ledger: await o.ledger(),
        audit: await o.audit(),
        args: o.args,
        core: o.unpinned ? null : undefined,
      });
      return { port: kb.port, pid: kb.pid, headers: agentHeaders, loadCore: CORES.load, close: () => kb.close() };
    },
  });
  return [
    {
      name: 'direct',
      note: 'the upstream itself (wrk on the other core)',
      start: async () => ({
        port: upstream.port,
        pid: upstream.pid ?? 0,
        headers: chargeHeaders(REAL_STRIPE_KEY),
        loadCore: CORES.server,
        close: async () => {},
      }),
    },
    {
      name: 'nginx',
      note: 'TLS termination + header swap, one worker',
      start: async () => {
        if (!nginxInstalled()) throw new Error('nginx is not installed (apt-get install nginx-light)');
        const n = await startHeaderSwapProxy({ host: STRIPE_HOST, upstream, authorization });
        return { port: n.port, pid: n.pid, headers: agentHeaders, loadCore: CORES.load, close: n.close };
      },
    },
    ...FLOOR_MODES.map((mode) => ({
      name: `node ${mode}`,
      note: mode === 'request' ? 'THE FORWARDER: TLS + undici Pool.request + header swap' : `the same with undici Pool.${mode}`,
      start: async () => {
        const f = await startNodeFloor({ host: STRIPE_HOST, upstream, authorization, mode });
        return { port: f.port, pid: f.pid, headers: agentHeaders, loadCore: CORES.load, close: f.close };
      },
    })),
    keybrake('kb defaults', 'SQLite ledger + SQLite audit, no cap', { ledger: () => 'sqlite', audit: () => 'sqlite' }),
    keybrake('kb cap', 'defaults + one 24h spend cap', { ledger: () => 'sqlite', audit: () => 'sqlite', spendCap: true }),
    keybrake('kb redis+pg', 'one spend cap on Redis, audit in PostgreSQL', {
      ledger: async () => (stores.redis ??= await startRedis()).url,
      audit: async () => (stores.pg ??= await startPostgres('keybrake_bench')).url,
      spendCap: true,
    }),
    keybrake('kb memory', 'memory ledger, no audit store (pure data plane)', { ledger: () => 'memory', audit: () => 'none' }),
    keybrake('kb 2 workers', 'defaults, --workers 2 (unpinned: 2 cores shared with wrk and the upstream)', {
      ledger: () => 'sqlite',
      audit: () => 'sqlite',
      args: ['--workers', '2'],
      unpinned: true,
    }),
  ];
}
