import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAudit } from '../../src/commands/audit.ts';
import { openPostgresSink } from '../../src/audit/postgres-sink.ts';
import type { AuditRecord, AuditSink } from '../../src/audit/record.ts';
import { openSqliteSink } from '../../src/audit/sqlite-sink.ts';
import { type TestPostgres, startPostgres } from '../helpers/postgres.ts';
import { captureLog, seedRecords } from './records.ts';

interface Run {
  code: number;
  out: string;
  err: string;
}

async function audit(args: string[]): Promise<Run> {
  const out = new PassThrough();
  const err = new PassThrough();
  const chunks = { out: [] as Buffer[], err: [] as Buffer[] };
  out.on('data', (c: Buffer) => chunks.out.push(c));
  err.on('data', (c: Buffer) => chunks.err.push(c));
  const code = await runAudit(args, out, err);
  return { code, out: Buffer.concat(chunks.out).toString(), err: Buffer.concat(chunks.err).toString() };
}

async function seed(sink: AuditSink): Promise<AuditRecord[]> {
  const records = seedRecords(Date.now());
  for (const r of records) sink.write(r);
  await sink.close();
  return records;
}

/** The hand-computed answers for seedRecords; the same from either database. */
function commandBehaviour(target: () => string[], seeded: () => AuditRecord[]): void {
  const json = async (args: string[]): Promise<unknown> => {
    const run = await audit([...args, ...target(), '--format', 'json']);
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    return JSON.parse(run.out);
  };

  it('spend --by use-case prints a readable table with totals in major units', async () => {
    const run = await audit(['spend', '--since', '24h', '--by', 'use-case', ...target()]);
    expect(run.code).toBe(0);
    expect(run.out).toBe(['USE CASE   TOTAL  CALLS', 'refunds    €3.00      1', 'refunds   $48.50      4', 'notify     $1.69      2', ''].join('\n'));
  });

  it('spend --by run, operation and vendor total only the money that left', async () => {
    const spend = (currency: string, total: number, calls: number, formatted: string): object => ({ currency, total, total_formatted: formatted, calls });
    expect(await json(['spend', '--by', 'run'])).toEqual([
      { run_id: 'run-1', ...spend('eur', 300, 1, '€3.00') },
      { run_id: 'run-1', ...spend('usd', 3750, 2, '$37.50') },
      { run_id: 'run-2', ...spend('usd', 1100, 2, '$11.00') },
      { run_id: 'run-4', ...spend('usd', 90, 1, '$0.90') },
      { run_id: 'run-3', ...spend('usd', 79, 1, '$0.79') },
    ]);
    expect(await json(['spend', '--by', 'operation'])).toEqual([
      { vendor: 'stripe', operation: 'payment_intents.create', ...spend('eur', 300, 1, '€3.00') },
      { vendor: 'stripe', operation: 'refunds.create', ...spend('usd', 4850, 4, '$48.50') },
      { vendor: 'resend', operation: 'emails.send', ...spend('usd', 90, 1, '$0.90') },
      { vendor: 'twilio', operation: 'messages.create', ...spend('usd', 79, 1, '$0.79') },
    ]);
    expect(await json(['spend', '--by', 'vendor', '--since', '7d'])).toEqual([
      { vendor: 'stripe', ...spend('eur', 300, 1, '€3.00') },
      { vendor: 'stripe', ...spend('usd', 14850, 5, '$148.50') },
      { vendor: 'resend', ...spend('usd', 90, 1, '$0.90') },
      { vendor: 'twilio', ...spend('usd', 79, 1, '$0.79') },
    ]);
  });

  it('calls filters by run, decision and time, newest first, with a limit', async () => {
    const ids = (rows: unknown): string[] => (rows as Array<{ event_id: string }>).map((r) => r.event_id);
    const r = seeded();
    expect(ids(await json(['calls', '--run', 'run-1']))).toEqual([r[0], r[1], r[11], r[2], r[7]].map((x) => x!.eventId));
    expect(ids(await json(['calls', '--since', '1h']))).toEqual([r[5], r[0], r[10], r[1], r[11], r[2], r[4], r[7]].map((x) => x!.eventId));
    expect(ids(await json(['calls', '--since', '1h', '--limit', '2']))).toEqual([r[5], r[0]].map((x) => x!.eventId));
    const [denied, ...rest] = (await json(['calls', '--decision', 'denied'])) as Array<Record<string, unknown>>;
    expect(rest).toEqual([]);
    expect(denied).toMatchObject({
      event_id: r[2]!.eventId,
      decision: 'denied',
      amount: 90000,
      amount_formatted: '$900.00',
      reason: 'amount 90000 exceeds max 5000',
      upstream_status: null,
    });
  });

  it('calls as CSV and as a table show decision, rule and cost', async () => {
    const csv = await audit(['calls', '--decision', 'killed', '--format', 'csv', ...target()]);
    const [header, row, end] = csv.out.split('\r\n');
    expect(header).toBe(
      'time,run_id,use_case,vendor,operation,decision,rule,currency,amount,amount_formatted,cap_currency,cost_cap,cost_cap_formatted,upstream_status,latency_ms,reason,event_id',
    );
    expect(row).toBe(
      `${seeded()[5]!.time},run-3,notify,twilio,messages.create,killed,partial-refunds,usd,79,$0.79,,,,,12.5,killed by api,${seeded()[5]!.eventId}`,
    );
    expect(end).toBe('');

    const table = await audit(['calls', '--run', 'run-2', ...target()]);
    const lines = table.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^TIME\s+RUN\s+VENDOR\s+OPERATION\s+DECISION\s+RULE\s+AMOUNT\s+STATUS\s+REASON$/);
    expect(lines).toHaveLength(4);
    expect(lines[1]).toMatch(/run-2\s+stripe\s+refunds\.create\s+error\s+partial-refunds\s+\$4\.00\s+-\s+upstream error: socket hang up$/);
  });
}

let root: string;
beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'keybrake-audit-cli-'));
});
afterAll(() => fs.rm(root, { recursive: true, force: true }));

describe('keybrake audit against SQLite (--state-dir)', () => {
  let records: AuditRecord[];
  beforeAll(async () => {
    records = await seed(await openSqliteSink({ file: path.join(root, 'state', 'audit.db'), log: captureLog().log }));
  });
  commandBehaviour(
    () => ['--state-dir', path.join(root, 'state')],
    () => records,
  );

  it('explains a missing database and a wrong flag', async () => {
    const missing = await audit(['spend', '--state-dir', path.join(root, 'nowhere')]);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('no audit database at');
    const wrong = await audit(['spend', '--by', 'customer', '--state-dir', path.join(root, 'state')]);
    expect(wrong.code).toBe(2);
    expect(wrong.err).toContain('--by "customer" is not one of use-case, run, operation, vendor');
    expect(wrong.err).toContain('usage:');
    const unknown = await audit(['refunds']);
    expect(unknown.code).toBe(2);
  });
});

describe('keybrake audit against PostgreSQL (--db postgres://…)', () => {
  let server: TestPostgres;
  let records: AuditRecord[];
  beforeAll(async () => {
    server = await startPostgres();
    records = await seed(await openPostgresSink({ url: server.url, stateDir: path.join(root, 'pg-state'), log: captureLog().log }));
  });
  afterAll(() => server?.cleanup());
  commandBehaviour(
    () => ['--db', server.url],
    () => records,
  );
});
