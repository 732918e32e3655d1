// Issue 5's figures: (a) audit records per second into SQLite and into
// PostgreSQL through the real sinks (bounded queue, batches, the stores'
// INSERTs), timed until flushed; (b) the proxy's throughput with the
// PostgreSQL sink on against off (and SQLite, the default), the same wrk load
// each time. PostgreSQL is the Debian server of test/helpers/postgres.ts
// (fsync=off: a test cluster; production PostgreSQL pays for its fsyncs).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { setImmediate as yieldToIo } from 'node:timers/promises';
import pino from 'pino';
import { DEFAULT_QUEUE_LIMITS } from '../../src/audit/batch-queue.ts';
import { openPostgresSink } from '../../src/audit/postgres-sink.ts';
import type { AuditRecord, AuditSink } from '../../src/audit/record.ts';
import { openSqlConn } from '../../src/audit/sql-conn.ts';
import { openSqliteSink } from '../../src/audit/sqlite-sink.ts';
import { parseExposition, sampleValue } from '../helpers/exposition.ts';
import { startPostgres, type TestPostgres } from '../helpers/postgres.ts';
import {
  BENCH_SECRETS,
  CHARGE_AMOUNT,
  benchAgentKey,
  benchSeconds,
  chargeHeaders,
  median,
  ms,
  printTable,
  rate,
  ratio,
  runWrk,
  startKeybrake,
  startUpstream,
  tempDir,
  tenRulePolicy,
  us,
  type KeybrakeProcess,
  type LoadResult,
} from './lib.ts';

const RECORDS = 50_000;
const SINK_RUNS = 3;
const WRK_ROUNDS = 5;
const CONNECTIONS = 32;
/** The producer waits while a sink holds this many: the figure is the store's pace, not the queue's drops. */
const HIGH_WATER = DEFAULT_QUEUE_LIMITS.capacity / 2;

export async function run(): Promise<void> {
  console.log('\n== audit');
  const pg = await startPostgres('keybrake_bench_audit');
  try {
    await sinkRates(pg.url);
    await proxyWithSinks(pg);
  } finally {
    await pg.cleanup();
  }
}

/** A record as the proxy writes one for the bench's charges.create, every field filled. */
function benchRecords(n: number): AuditRecord[] {
  const start = Date.now();
  const sha = crypto.createHash('sha256').update('bench').digest('hex');
  return Array.from({ length: n }, (_, i) => ({
    eventId: crypto.randomUUID(),
    time: new Date(start + i).toISOString(),
    namespace: 'agents',
    pod: 'bench-0',
    policy: 'bench-commerce-agent',
    useCase: 'commerce',
    runId: `run_bench_${i % 100}`,
    vendor: 'stripe',
    operation: 'charges.create',
    method: 'POST',
    host: 'api.stripe.com',
    path: '/v1/charges',
    decision: 'allowed',
    rule: 'usd-charges-for-orders',
    amount: CHARGE_AMOUNT,
    currency: 'usd',
    costCap: CHARGE_AMOUNT,
    capCurrency: 'usd',
    upstreamStatus: 200,
    vendorRequestId: `req_bench_${i}`,
    latencyMs: 0.9,
    idempotencyKey: `bench-${i}`,
    agentKeyId: 'bench-agent',
    bodySha256: sha,
  }));
}

/** Writes every record as fast as the sink drains, then flushes; milliseconds from first write to flushed. */
async function pump(sink: AuditSink & { stats(): { queued: number } }, records: readonly AuditRecord[]): Promise<number> {
  const t0 = performance.now();
  for (const record of records) {
    while (sink.stats().queued >= HIGH_WATER) await yieldToIo();
    sink.write(record);
  }
  await sink.flush();
  return performance.now() - t0;
}

async function countRows(db: string): Promise<number> {
  const conn = await openSqlConn(db);
  try {
    return Number((await conn.query('SELECT COUNT(*) AS n FROM audit_events'))[0]!.n);
  } finally {
    await conn.close();
  }
}

interface SinkRun {
  ms: number;
  stored: number;
  dropped: number;
}

/** (a) RECORDS records into each store, SINK_RUNS times, a fresh database each run. */
async function sinkRates(pgUrl: string): Promise<void> {
  console.log(
    `\naudit records into each store through its sink (queue, ${DEFAULT_QUEUE_LIMITS.batchSize}-record batches), ${RECORDS.toLocaleString('en-US')} records, ${SINK_RUNS} runs`,
  );
  const log = pino({ level: 'warn' });
  const dir = tempDir('keybrake-bench-audit-');
  const runs: Record<string, SinkRun[]> = { sqlite: [], postgres: [] };
  try {
    for (let i = 0; i < SINK_RUNS; i++) {
      const records = benchRecords(RECORDS);
      const file = path.join(dir, `audit-${i}.db`);
      const sqlite = await openSqliteSink({ file, log });
      const sqliteMs = await pump(sqlite, records);
      await sqlite.close();
      runs.sqlite!.push({ ms: sqliteMs, stored: await countRows(file), dropped: sqlite.stats().dropped });

      const db = `${pgUrl}_${i}`;
      await createDatabase(pgUrl, db);
      const postgres = await openPostgresSink({ url: db, stateDir: path.join(dir, `pg-${i}`), log });
      const pgMs = await pump(postgres, records);
      await postgres.close();
      runs.postgres!.push({ ms: pgMs, stored: await countRows(db), dropped: postgres.stats().dropped });
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  printTable(
    ['store', 'records/s (median)', 'slowest run', 'fastest run', 'flushed in (median)', 'stored/written', 'dropped'],
    Object.entries(runs).map(([store, r]) => {
      const perSec = r.map((x) => (RECORDS / x.ms) * 1000);
      return [
        store,
        rate(median(perSec)),
        rate(Math.min(...perSec)),
        rate(Math.max(...perSec)),
        ms(median(r.map((x) => x.ms))),
        r.map((x) => `${x.stored}/${RECORDS}`).join(' '),
        String(r.reduce((n, x) => n + x.dropped, 0)),
      ];
    }),
  );
  console.log(
    '(SQLite: WAL, synchronous=NORMAL, one transaction per batch; PostgreSQL: one multi-row INSERT … ON CONFLICT DO NOTHING per batch, test cluster with fsync=off)',
  );
}

async function createDatabase(adminUrl: string, url: string): Promise<void> {
  const conn = await openSqlConn(adminUrl);
  try {
    await conn.query(`CREATE DATABASE ${new URL(url).pathname.slice(1)}`);
  } finally {
    await conn.close();
  }
}

interface Contender {
  name: string;
  kb: KeybrakeProcess;
  /** The store's sink (its metrics label) and where its rows land, to check none was lost. */
  store?: { sink: string; db: string };
  results: LoadResult[];
}

/** (b) One proxy per audit setting, all up at once; wrk rounds interleaved so background load hits each alike. */
async function proxyWithSinks(pg: TestPostgres): Promise<void> {
  const seconds = benchSeconds(2);
  console.log(
    `\nkeybrake throughput by audit store, --ledger memory, ten-rule policy, wrk -t1 -c${CONNECTIONS}, ${WRK_ROUNDS} interleaved rounds of ${seconds} s`,
  );
  const upstream = await startUpstream();
  const agent = benchAgentKey();
  const pgDb = `${pg.url}_proxy`;
  await createDatabase(pg.url, pgDb);
  const contenders: Contender[] = [];
  try {
    const start = async (name: string, audit: string, db?: (kb: KeybrakeProcess) => string) => {
      const kb = await startKeybrake({ policyYaml: tenRulePolicy(agent.sha256), upstream, secrets: BENCH_SECRETS, audit });
      contenders.push({ name, kb, ...(db ? { store: { sink: name, db: db(kb) } } : {}), results: [] });
    };
    await start('none', 'none');
    await start('sqlite', 'sqlite', (kb) => path.join(kb.dir, 'state', 'audit.db'));
    await start('postgres', pgDb, () => pgDb);
    for (let round = 0; round < WRK_ROUNDS; round++) {
      // Each round starts with the next contender: none always runs right after the same one.
      for (const c of [...contenders.slice(round % contenders.length), ...contenders.slice(0, round % contenders.length)]) {
        c.results.push(
          await runWrk({
            port: c.kb.port,
            headers: chargeHeaders(agent.key),
            connections: CONNECTIONS,
            durationSec: seconds,
            warmupSec: round === 0 ? 1 : 0,
            serverPid: c.kb.pid,
          }),
        );
      }
    }
    await reportProxy(contenders);
  } finally {
    for (const c of contenders) await c.kb.close();
    await upstream.close();
  }
}

/** What the proxy says about its audit sinks: records dropped or spooled must be 0 for the figure to stand. */
async function sinkCounters(kb: KeybrakeProcess): Promise<{ dropped: number; spooled: number }> {
  const samples = parseExposition(await (await fetch(`${kb.adminUrl}/metrics`)).text());
  const sum = (name: string) => samples.filter((s) => s.name === name).reduce((n, s) => n + s.value, 0);
  return { dropped: sum('keybrake_audit_dropped_total'), spooled: sum('keybrake_audit_spooled_total') };
}

/** Rows stored once the sink has caught up (queue depth 0). */
async function storedRows(c: Contender): Promise<string> {
  if (!c.store) return '-';
  for (let i = 0; i < 100; i++) {
    const samples = parseExposition(await (await fetch(`${c.kb.adminUrl}/metrics`)).text());
    if (!sampleValue(samples, 'keybrake_audit_queue_depth', { sink: c.store.sink })) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return (await countRows(c.store.db)).toLocaleString('en-US');
}

async function reportProxy(contenders: Contender[]): Promise<void> {
  const rows: string[][] = [];
  for (const c of contenders) {
    const { dropped, spooled } = await sinkCounters(c.kb);
    const sum = (pick: (r: LoadResult) => number) => c.results.reduce((n, r) => n + pick(r), 0);
    rows.push([
      c.name,
      rate(median(c.results.map((r) => r.rps))),
      ms(median(c.results.map((r) => r.p50Ms))),
      ms(median(c.results.map((r) => r.p99Ms))),
      us(median(c.results.map((r) => r.cpuUsPerRequest))),
      String(sum((r) => r.non2xx)),
      sum((r) => r.requests).toLocaleString('en-US'),
      await storedRows(c),
      String(dropped),
      String(spooled),
    ]);
  }
  printTable(['audit store', 'req/s (median)', 'p50', 'p99', 'CPU/req', 'non-2xx', 'requests', 'rows stored', 'dropped', 'spooled'], rows);
  console.log('(none: the stdout audit line only; medians over the rounds; rows stored ≥ requests: the warm-up run is stored too)');
  const by = (name: string) => contenders.find((c) => c.name === name)!.results;
  const rps = (name: string) => median(by(name).map((r) => r.rps));
  const cpu = (name: string) => median(by(name).map((r) => r.cpuUsPerRequest));
  const off = 'none';
  console.log(`PostgreSQL sink on / off: ${ratio(rps('postgres'), rps(off))} of the req/s; by CPU per request ${ratio(cpu(off), cpu('postgres'))}`);
  console.log(`SQLite sink on / off:     ${ratio(rps('sqlite'), rps(off))} of the req/s; by CPU per request ${ratio(cpu(off), cpu('sqlite'))}`);
}
