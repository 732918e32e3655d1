import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertSql, recordValues } from '../../src/audit/columns.ts';
import { MIGRATIONS, applyMigrations } from '../../src/audit/migrations.ts';
import type { AuditRecord } from '../../src/audit/record.ts';
import { type SqlConn, pgConn, sqliteConn } from '../../src/audit/sql-conn.ts';
import { PG_TYPES } from '../../src/audit/pg-types.ts';
import { type TestPostgres, startPostgres } from '../helpers/postgres.ts';
import { record } from './records.ts';

const LATEST = MIGRATIONS.at(-1)!.version;

/** Calls on two UTC days, with the ones spend_daily must leave out. */
function dayRecords(): AuditRecord[] {
  const refunds = { rule: 'r' };
  return [
    record({ ...refunds, time: '2024-03-01T10:00:00.000Z', amount: 1000 }),
    record({ ...refunds, time: '2024-03-01T23:59:59.999Z', amount: 500, decision: 'dryrun_denied' }),
    // 23:00 UTC on March 1st, written with an offset: still March 1st.
    record({ ...refunds, time: '2024-03-02T01:00:00+02:00', amount: 250, decision: 'error', upstreamStatus: undefined }),
    record({ ...refunds, time: '2024-03-01T12:00:00.000Z', amount: 9999, decision: 'denied', upstreamStatus: undefined }),
    record({ ...refunds, time: '2024-03-01T13:00:00.000Z', amount: 7000, upstreamStatus: 402 }),
    record({ ...refunds, time: '2024-03-02T00:00:00.001Z', amount: 100 }),
    record({ ...refunds, time: '2024-03-01T09:00:00.000Z', amount: 79, useCase: 'notify', policy: 'notify', vendor: 'twilio', upstreamStatus: 201 }),
    record({ ...refunds, time: '2024-03-01T09:00:00.000Z', amount: 300, currency: 'eur' }),
  ];
}

const EXPECTED_SPEND = [
  { day: '2024-03-01', namespace: 'agents', use_case: 'notify', vendor: 'twilio', currency: 'usd', total: 79, calls: 1 },
  { day: '2024-03-01', namespace: 'agents', use_case: 'refunds', vendor: 'stripe', currency: 'eur', total: 300, calls: 1 },
  { day: '2024-03-01', namespace: 'agents', use_case: 'refunds', vendor: 'stripe', currency: 'usd', total: 1750, calls: 3 },
  { day: '2024-03-02', namespace: 'agents', use_case: 'refunds', vendor: 'stripe', currency: 'usd', total: 100, calls: 1 },
];

const EXPECTED_DECISIONS = [
  { day: '2024-03-01', policy: 'notify', decision: 'allowed', rule: 'r', calls: 1 },
  { day: '2024-03-01', policy: 'support-refunds', decision: 'allowed', rule: 'r', calls: 3 },
  { day: '2024-03-01', policy: 'support-refunds', decision: 'denied', rule: 'r', calls: 1 },
  { day: '2024-03-01', policy: 'support-refunds', decision: 'dryrun_denied', rule: 'r', calls: 1 },
  { day: '2024-03-01', policy: 'support-refunds', decision: 'error', rule: 'r', calls: 1 },
  { day: '2024-03-02', policy: 'support-refunds', decision: 'allowed', rule: 'r', calls: 1 },
];

/** The same assertions against either database. */
function schemaBehaviour(open: () => Promise<SqlConn>): void {
  it('applies once and is a no-op the second time', async () => {
    const conn = await open();
    try {
      expect(await applyMigrations(conn)).toEqual([LATEST]);
      expect(await applyMigrations(conn)).toEqual([]);
      const versions = await conn.query('SELECT version, name FROM schema_migrations');
      expect(versions.map((v) => Number(v.version))).toEqual([LATEST]);
    } finally {
      await conn.close();
    }
  });

  it('stores every record field and computes spend_daily and decisions_daily', async () => {
    const conn = await open();
    try {
      await applyMigrations(conn);
      const records = dayRecords();
      await conn.query(insertSql(records.length), records.flatMap(recordValues));
      // The same event ids again: skipped, not duplicated.
      await conn.query(insertSql(records.length), records.flatMap(recordValues));
      expect((await conn.query('SELECT COUNT(*) AS n FROM audit_events'))[0]!.n).toBe(records.length);

      const spend = await conn.query('SELECT * FROM spend_daily ORDER BY day, use_case, currency');
      expect(spend).toEqual(EXPECTED_SPEND);
      const decisions = await conn.query('SELECT * FROM decisions_daily ORDER BY day, policy, decision');
      expect(decisions).toEqual(EXPECTED_DECISIONS);

      const [row] = await conn.query('SELECT * FROM audit_events WHERE event_id = $1', [records[0]!.eventId]);
      expect(row).toMatchObject({
        event_id: records[0]!.eventId,
        time: '2024-03-01T10:00:00.000Z',
        use_case: 'refunds',
        amount: 1000,
        upstream_status: 200,
        latency_ms: 12.5,
        cost_cap: null,
      });
    } finally {
      await conn.close();
    }
  });
}

describe('SQLite', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'keybrake-migrations-'));
  });
  afterAll(() => fs.rm(dir, { recursive: true, force: true }));

  let n = 0;
  schemaBehaviour(async () => sqliteConn(new DatabaseSync(path.join(dir, `audit-${n++}.db`))));
});

describe('PostgreSQL', () => {
  let server: TestPostgres;
  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(() => server?.cleanup());

  const open = async (): Promise<SqlConn> => {
    const client = new pg.Client({ connectionString: server.url, types: PG_TYPES });
    await client.connect();
    return pgConn(client, () => client.end());
  };

  it('lets exactly one of several proxies starting at once apply the migrations', async () => {
    const conns = await Promise.all([open(), open(), open()]);
    try {
      const applied = await Promise.all(conns.map((c) => applyMigrations(c)));
      expect(applied.flat()).toEqual([LATEST]);
    } finally {
      await Promise.all(conns.map((c) => c.close()));
    }
  });

  schemaBehaviour(async () => {
    // A fresh schema per case, so "applies once" starts from nothing.
    const conn = await open();
    await conn.query('DROP SCHEMA public CASCADE');
    await conn.query('CREATE SCHEMA public');
    return conn;
  });
});
