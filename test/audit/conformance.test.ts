// One behaviour, three sinks: every audit sink must pass the same suite (as
// every ledger passes test/ledger/conformance.test.ts). What is stored is read
// back the sink's own way: JSON lines for the log, rows for the databases.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditRecord, AuditSink, WatchedAuditSink } from '../../src/audit/record.ts';
import { LogAuditSink } from '../../src/audit/log-sink.ts';
import { openSqliteSink } from '../../src/audit/sqlite-sink.ts';
import { openPostgresSink } from '../../src/audit/postgres-sink.ts';
import { PG_TYPES } from '../../src/audit/pg-types.ts';
import { startPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { captureLog, record } from './records.ts';

/** The fields every sink keeps, as read back. */
type Stored = Pick<AuditRecord, 'eventId' | 'decision' | 'operation' | 'amount' | 'currency' | 'reason'>;

interface Opened {
  sink: AuditSink & WatchedAuditSink;
  /** Everything the sink stored so far, in arrival order. */
  stored(): Promise<Stored[]>;
}

interface SinkUnderTest {
  name: string;
  open(dir: string): Promise<Opened>;
  /** A store keyed by event id keeps one copy of a record written twice; a log keeps every line. */
  idempotent: boolean;
}

let root: string;
let n = 0;
let server: TestPostgres;
beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'keybrake-sink-conformance-'));
  server = await startPostgres('keybrake_sink_conformance');
});
afterAll(async () => {
  await server?.cleanup();
  await fs.rm(root, { recursive: true, force: true });
});

const fromRow = (r: Record<string, unknown>): Stored => ({
  eventId: r.event_id as string,
  decision: r.decision as AuditRecord['decision'],
  operation: (r.operation as string | null) ?? undefined,
  amount: r.amount === null ? undefined : Number(r.amount),
  currency: (r.currency as string | null) ?? undefined,
  reason: (r.reason as string | null) ?? undefined,
});

const pick = (r: AuditRecord): Stored => ({
  eventId: r.eventId,
  decision: r.decision,
  operation: r.operation,
  amount: r.amount,
  currency: r.currency,
  reason: r.reason,
});

const SINKS: SinkUnderTest[] = [
  {
    name: 'log',
    idempotent: false,
    open: async () => {
      const captured = captureLog();
      const sink = new LogAuditSink(captured.log);
      return {
        sink,
        stored: async () =>
          captured
            .lines()
            .filter((l) => l.msg === 'audit')
            .map((l) => pick(l.audit as AuditRecord)),
      };
    },
  },
  {
    name: 'SQLite',
    idempotent: true,
    open: async (dir) => {
      const file = path.join(dir, 'audit.db');
      const sink = await openSqliteSink({ file, log: captureLog().log, limits: { flushMs: 5 } });
      return {
        sink,
        stored: async () => {
          const db = new DatabaseSync(file, { readOnly: true });
          try {
            return (db.prepare('SELECT * FROM audit_events ORDER BY seq').all() as Array<Record<string, unknown>>).map(fromRow);
          } finally {
            db.close();
          }
        },
      };
    },
  },
  {
    name: 'PostgreSQL',
    idempotent: true,
    open: async (dir) => {
      // A database per test, so each reads back only its own rows.
      const db = `sink_${n++}`;
      const admin = new pg.Client({ connectionString: server.url });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${db}`);
      await admin.end();
      const url = server.url.replace(/\/[^/]+$/, `/${db}`);
      const sink = await openPostgresSink({ url, stateDir: dir, log: captureLog().log, limits: { flushMs: 5 } });
      return {
        sink,
        stored: async () => {
          const client = new pg.Client({ connectionString: url, types: PG_TYPES });
          await client.connect();
          try {
            return (await client.query('SELECT * FROM audit_events ORDER BY seq')).rows.map(fromRow);
          } finally {
            await client.end();
          }
        },
      };
    },
  },
];

describe.each(SINKS)('$name audit sink', (s) => {
  const open = async () => s.open(await fs.mkdtemp(path.join(root, 'state-')));

  it('has a name, and stores every record it was given once flushed, in order', async () => {
    const { sink, stored } = await open();
    expect(sink.name).toMatch(/^[a-z]+$/);
    const records = [
      record({ decision: 'allowed', amount: 1200, currency: 'usd' }),
      record({ decision: 'denied', amount: undefined, currency: undefined, reason: 'rule partial-refunds: amount 9000 > max 5000' }),
      record({ decision: 'killed', operation: undefined, amount: undefined, currency: undefined, reason: 'kill switch is on' }),
      record({ decision: 'dryrun_denied', amount: 7000, currency: 'eur' }),
      record({ decision: 'error', reason: 'upstream error: socket hang up' }),
    ];
    for (const r of records) sink.write(r);
    await sink.flush();
    expect(await stored()).toEqual(records.map(pick));
    await sink.close();
  });

  it('reports an empty queue and no losses after a flush', async () => {
    const { sink } = await open();
    for (let i = 0; i < 50; i++) sink.write(record());
    await sink.flush();
    expect(sink.stats()).toMatchObject({ queued: 0, dropped: 0, errors: 0 });
    await sink.close();
  });

  it(`keeps ${s.idempotent ? 'one row' : 'every line'} for a record written twice`, async () => {
    const { sink, stored } = await open();
    const twice = record();
    sink.write(twice);
    await sink.flush();
    sink.write(twice);
    await sink.flush();
    expect((await stored()).filter((r) => r.eventId === twice.eventId)).toHaveLength(s.idempotent ? 1 : 2);
    await sink.close();
  });

  it('flushes what is queued on close, and close can be called twice', async () => {
    const { sink, stored } = await open();
    const records = Array.from({ length: 20 }, () => record());
    for (const r of records) sink.write(r);
    await sink.close();
    await sink.close();
    expect((await stored()).map((r) => r.eventId)).toEqual(records.map((r) => r.eventId));
  });
});
