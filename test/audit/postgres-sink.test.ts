import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/wait.ts';
import { AuditFanout, openAuditSinks } from '../../src/audit/open.ts';
import { SPOOL_FILE, type PostgresSinkOptions, openPostgresSink } from '../../src/audit/postgres-sink.ts';
import type { AuditRecord } from '../../src/audit/record.ts';
import { PG_TYPES } from '../../src/audit/pg-types.ts';
import { type TestPostgres, startPostgres } from '../helpers/postgres.ts';
import { captureLog, record } from './records.ts';

let server: TestPostgres;
let root: string;
let n = 0;

beforeAll(async () => {
  server = await startPostgres();
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'keybrake-pg-sink-'));
});
afterAll(async () => {
  await server?.cleanup();
  await fs.rm(root, { recursive: true, force: true });
});

/** Short timeouts and retries: an outage test should not wait for production backoff. */
function options(stateDir: string, log = captureLog().log): PostgresSinkOptions {
  return { url: server.url, stateDir, log, retry: { minMs: 50, maxMs: 300 }, pool: { connectionTimeoutMillis: 1_000 } };
}

const freshDir = (): string => path.join(root, `state-${n++}`);

/** Event ids stored for these records, in the order PostgreSQL received them. */
async function storedIds(records: readonly AuditRecord[]): Promise<string[]> {
  const client = new pg.Client({ connectionString: server.url, types: PG_TYPES });
  await client.connect();
  try {
    const ids = records.map((r) => r.eventId);
    const { rows } = await client.query('SELECT event_id FROM audit_events WHERE event_id = ANY($1) ORDER BY seq', [ids]);
    return rows.map((r) => r.event_id as string);
  } finally {
    await client.end();
  }
}

const spoolExists = (dir: string): Promise<boolean> =>
  fs.access(path.join(dir, SPOOL_FILE)).then(
    () => true,
    () => false,
  );

describe('PostgreSQL audit sink', () => {
  it('stores one row per event id, however often a record is written', async () => {
    const sink = await openPostgresSink(options(freshDir()));
    const records = Array.from({ length: 30 }, () => record());
    for (const r of records) sink.write(r);
    for (const r of records.slice(0, 10)) sink.write(r);
    await sink.flush();
    sink.write(records[0]!);
    await sink.close();
    expect(await storedIds(records)).toEqual(records.map((r) => r.eventId));
    expect(sink.stats()).toEqual({ queued: 0, dropped: 0, spooled: 0, errors: 0 });
  });

  it('loses nothing when PostgreSQL stops mid-stream and the proxy restarts during the outage', async () => {
    const stateDir = freshDir();
    const captured = captureLog();
    const opts = { ...options(stateDir, captured.log), limits: { batchSize: 5, flushMs: 5 } };
    const written: AuditRecord[] = [];
    const write = (sink: { write(r: AuditRecord): void }): void => {
      const r = record();
      written.push(r);
      sink.write(r);
    };

    const first = await openPostgresSink(opts);
    for (let i = 0; i < 20; i++) write(first);
    await first.flush();
    expect(await storedIds(written)).toHaveLength(20);

    // Keep writing while the server shuts down: batches are in flight when it goes.
    const stream = setInterval(() => write(first), 2);
    await server.stop();
    const stopped = written.length;
    await waitFor(() => written.length >= stopped + 10, { what: 'ten writes after the server stopped' });
    clearInterval(stream);
    await first.flush();
    expect(first.stats().spooled).toBeGreaterThan(0);
    expect(first.stats().dropped).toBe(0);
    expect(await spoolExists(stateDir)).toBe(true);
    await first.close();

    // The proxy restarts while PostgreSQL is still down: it must start, and spool behind the old records.
    const second = await openPostgresSink(opts);
    for (let i = 0; i < 20; i++) write(second);
    await second.flush();
    expect(second.stats().spooled).toBe(20);

    await server.start();
    await waitFor(async () => (await storedIds(written)).length === written.length, { what: 'the spool to replay', timeoutMs: 20_000 });
    await second.close();

    expect(await storedIds(written)).toEqual(written.map((r) => r.eventId));
    expect(await spoolExists(stateDir)).toBe(false);
    const messages = captured.lines().map((l) => l.msg);
    expect(messages).toContain('PostgreSQL unreachable: audit records go to the spool until it returns');
    expect(messages).toContain('audit spool from an earlier run found: replaying it');
    expect(messages).toContain('PostgreSQL reachable again: replaying the audit spool');
  });

  it('replays a spool left by a crash mid-replay without duplicating a row', async () => {
    const stateDir = freshDir();
    await fs.mkdir(stateDir, { recursive: true });
    const records = Array.from({ length: 10 }, () => record());
    // Half of the spool reached PostgreSQL before the crash; the last line was torn mid-write.
    const direct = await openPostgresSink(options(freshDir()));
    for (const r of records.slice(0, 5)) direct.write(r);
    await direct.close();
    const lines = records.map((r) => `${JSON.stringify(r)}\n`).join('');
    await fs.writeFile(path.join(stateDir, SPOOL_FILE), `${lines}{"eventId":"torn`);

    const captured = captureLog();
    const sink = await openPostgresSink(options(stateDir, captured.log));
    await waitFor(async () => !(await spoolExists(stateDir)), { what: 'the spool to drain', timeoutMs: 20_000 });
    await sink.close();

    expect(await storedIds(records)).toEqual(records.map((r) => r.eventId));
    expect(captured.lines().some((l) => String(l.msg).includes('partial line'))).toBe(true);
  });

  it('counts records refused by a full queue', async () => {
    const captured = captureLog();
    const sink = await openPostgresSink({ ...options(freshDir(), captured.log), limits: { capacity: 3, batchSize: 100, flushMs: 60_000 } });
    const records = Array.from({ length: 5 }, () => record());
    for (const r of records) sink.write(r);
    expect(sink.stats()).toMatchObject({ queued: 3, dropped: 2 });
    await sink.close();
    expect(await storedIds(records)).toEqual(records.slice(0, 3).map((r) => r.eventId));
    expect(captured.lines().find((l) => l.level === 40)).toMatchObject({ sink: 'postgres', msg: expect.stringContaining('queue full') });
  });

  it('never stores a card number that a record carried', async () => {
    const fanout = new AuditFanout(await openAuditSinks({ audit: server.url, stateDir: freshDir(), log: captureLog().log }));
    const leaky = record({ reason: 'metadata[card]=5555 5555 5555 4444', path: '/v1/charges?source=5555555555554444' });
    fanout.write(leaky);
    await fanout.close();
    const client = new pg.Client(server.url);
    await client.connect();
    const { rows } = await client.query('SELECT path, reason FROM audit_events WHERE event_id = $1', [leaky.eventId]);
    await client.end();
    expect(rows).toEqual([{ path: '/v1/charges?source=************4444', reason: 'metadata[card]=**** **** **** 4444' }]);
  });
});
