// Issue 3's figures: reserve+settle pairs per second straight on the Ledger API
// (SQLite in a temp state dir; a real redis-server), and the proxy's throughput
// with two caps against none, both on the SQLite ledger.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { openLedger } from '../../src/ledger/open.ts';
import type { CapCharge, Ledger } from '../../src/ledger/ledger.ts';
import { startRedis } from '../helpers/redis.ts';
import {
  BENCH_SECRETS,
  benchAgentKey,
  benchSeconds,
  chargeHeaders,
  ms,
  us,
  printTable,
  rate,
  ratio,
  runWrk,
  startKeybrake,
  startUpstream,
  summarize,
  tempDir,
  tenRulePolicy,
  CHARGE_AMOUNT,
  type LoadResult,
} from './lib.ts';

const CONCURRENCY = 32;
const HOUR_MS = 3_600_000;

export async function run(): Promise<void> {
  console.log('\n== ledger');
  await ledgerApi(benchSeconds(10) / 2);
  await proxyWithCaps(benchSeconds(10));
}

/** Reserve+settle pairs on each store, in this process, CONCURRENCY calls in flight. */
async function ledgerApi(seconds: number): Promise<void> {
  console.log(`\nreserve + settle (commit) pairs on the Ledger API, two caps per call, ${CONCURRENCY} in flight, ${seconds} s each`);
  const rows: string[][] = [];
  const dir = tempDir('keybrake-bench-ledger-');
  const redis = await startRedis().catch((err: Error) => (console.log(`   redis-server unavailable, skipping Redis: ${err.message}`), undefined));
  try {
    const stores: Array<[string, string]> = [['sqlite', 'sqlite'], ...(redis ? [['redis', redis.url] as [string, string]] : [])];
    for (const [name, spec] of stores) {
      const ledger = await openLedger(spec, dir);
      try {
        const r = await hammer(ledger, seconds);
        rows.push([name, rate(r.pairs / seconds), ms(r.p50Ms), ms(r.p99Ms)]);
      } finally {
        await ledger.close();
      }
    }
  } finally {
    await redis?.cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  printTable(['store', 'pairs/s', 'pair p50', 'pair p99'], rows);
}

/** The two caps of the bench policy, as the proxy would charge them: a rolling spend cap and a calendar count. */
function charges(now: number): CapCharge[] {
  const tag = '{bench-credential}';
  return [
    { key: `${tag}:daily-spend:key`, amount: CHARGE_AMOUNT, limit: Number.MAX_SAFE_INTEGER, window: { kind: 'rolling', ms: 24 * HOUR_MS } },
    { key: `${tag}:daily-calls:key:bench-day`, amount: 1, limit: Number.MAX_SAFE_INTEGER, window: { kind: 'calendar', endsAt: now + HOUR_MS } },
  ];
}

async function hammer(ledger: Ledger, seconds: number): Promise<{ pairs: number; p50Ms: number; p99Ms: number }> {
  const deadline = performance.now() + seconds * 1000;
  const latencies: number[] = [];
  const worker = async () => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      const requestId = crypto.randomUUID();
      const now = Date.now();
      const list = charges(now);
      const outcome = await ledger.reserve({ requestId, idempotencyKey: `bench:${requestId}`, charges: list, now, holdMs: 15 * 60_000 });
      if (!outcome.ok) throw new Error(`bench cap exceeded: ${JSON.stringify(outcome)}`);
      await ledger.settle(requestId, { kind: 'commit', amounts: list.map((c) => c.amount) }, now);
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const s = summarize(latencies);
  return { pairs: s.count, p50Ms: s.p50Ms, p99Ms: s.p99Ms };
}

/** The dataplane harness on `--ledger sqlite`: the ten-rule policy without caps, then with two caps. */
async function proxyWithCaps(seconds: number): Promise<void> {
  console.log(`\nkeybrake throughput on --ledger sqlite --audit none, wrk -t1 -c${CONCURRENCY}, ${seconds} s each`);
  const upstream = await startUpstream();
  const agent = benchAgentKey();
  const results: Array<[string, LoadResult]> = [];
  try {
    for (const [name, caps] of [
      ['no caps', false],
      ['two caps', true],
    ] as const) {
      const kb = await startKeybrake({ policyYaml: tenRulePolicy(agent.sha256, { caps }), upstream, secrets: BENCH_SECRETS, ledger: 'sqlite' });
      try {
        results.push([
          name,
          await runWrk({ port: kb.port, headers: chargeHeaders(agent.key), connections: CONCURRENCY, durationSec: seconds, warmupSec: 2, serverPid: kb.pid }),
        ]);
      } finally {
        await kb.close();
      }
    }
  } finally {
    await upstream.close();
  }
  printTable(
    ['policy', 'req/s', 'p50', 'p99', 'CPU/req', 'non-2xx'],
    results.map(([name, r]) => [name, rate(r.rps), ms(r.p50Ms), ms(r.p99Ms), us(r.cpuUsPerRequest), String(r.non2xx)]),
  );
  const [none, caps] = results.map(([, r]) => r);
  if (!none || !caps) throw new Error('expected the no-caps and the two-caps runs');
  console.log(`two caps / no caps: ${ratio(caps.rps, none.rps)} of the req/s; by CPU per request ${ratio(none.cpuUsPerRequest, caps.cpuUsPerRequest)}`);
}
