import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForExpect } from '../helpers/wait.ts';
import { COLUMNS } from '../../src/audit/columns.ts';
import { AuditFanout, openAuditSinks } from '../../src/audit/open.ts';
import type { AuditRecord } from '../../src/audit/record.ts';
import { openSqliteSink } from '../../src/audit/sqlite-sink.ts';
import { captureLog, record } from './records.ts';
import { FAKE_SK_LIVE_IN_NOTE } from '../fixtures/fake-keys.ts';

let root: string;
let n = 0;
beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'keybrake-sqlite-sink-'));
});
afterAll(() => fs.rm(root, { recursive: true, force: true }));

const freshDir = (): string => path.join(root, `state-${n++}`);

function rows(file: string, sql = 'SELECT * FROM audit_events ORDER BY seq'): Array<Record<string, unknown>> {
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    return db.prepare(sql).all() as Array<Record<string, unknown>>;
  } finally {
    db.close();
  }
}

describe('SQLite audit sink', () => {
  it('stores a large batch in order, every field of every row, a duplicate inside it once', async () => {
    const file = path.join(freshDir(), 'audit.db');
    const sink = await openSqliteSink({ file, log: captureLog().log });
    const written = Array.from({ length: 123 }, (_, i) => record({ amount: i, reason: `row ${i}`, idempotencyKey: i % 2 ? `idem-${i}` : undefined }));
    for (const r of written) sink.write(r);
    sink.write(written[60]!); // a duplicate inside the batch stays one row
    await sink.close();
    const stored = rows(file);
    expect(stored).toHaveLength(123);
    stored.forEach((row, i) => {
      for (const [field, column] of Object.entries(COLUMNS)) {
        expect(row[column], `${field} of row ${i}`).toEqual(written[i]![field as keyof AuditRecord] ?? null);
      }
    });
  });

  it('stores every field of a record, once per event id, however often it is written', async () => {
    const file = path.join(freshDir(), 'audit.db');
    const sink = await openSqliteSink({ file, log: captureLog().log });
    const full: AuditRecord = record({
      reason: 'ok',
      costCap: 1080,
      capCurrency: 'usd',
      vendorRequestId: 'req_123',
      idempotencyKey: 'idem-1',
      agentKeyId: 'support-1',
      bodySha256: 'f'.repeat(64),
    });
    const other = record();
    sink.write(full);
    sink.write(full);
    sink.write(other);
    await sink.flush();
    sink.write(full);
    await sink.close();

    // A restart (same file): migrations already there, the duplicate still skipped.
    const again = await openSqliteSink({ file, log: captureLog().log });
    again.write(other);
    await again.close();

    const stored = rows(file);
    expect(stored.map((r) => r.event_id)).toEqual([full.eventId, other.eventId]);
    for (const [field, column] of Object.entries(COLUMNS)) {
      expect(stored[0]![column], field).toEqual(full[field as keyof AuditRecord] ?? null);
    }
  });

  it('counts and logs records refused by a full queue, and keeps the rest', async () => {
    const file = path.join(freshDir(), 'audit.db');
    const captured = captureLog();
    const sink = await openSqliteSink({ file, log: captured.log, limits: { capacity: 5, batchSize: 100, flushMs: 60_000 } });
    const records = Array.from({ length: 8 }, () => record());
    for (const r of records) sink.write(r);

    expect(sink.stats()).toEqual({ queued: 5, dropped: 3, spooled: 0, errors: 0 });
    const warnings = captured.lines().filter((l) => l.level === 40);
    expect(warnings).toHaveLength(1); // one line, not one per drop
    expect(warnings[0]).toMatchObject({ sink: 'sqlite', dropped: 1, capacity: 5 });

    await sink.close();
    expect(sink.stats().queued).toBe(0);
    expect(rows(file).map((r) => r.event_id)).toEqual(records.slice(0, 5).map((r) => r.eventId));
  });

  it('writes a batch on its own after the flush timer, without flush()', async () => {
    const file = path.join(freshDir(), 'audit.db');
    const sink = await openSqliteSink({ file, log: captureLog().log, limits: { flushMs: 20 } });
    sink.write(record());
    // No flush() call: only the timer can write it.
    await waitForExpect(() => expect(rows(file)).toHaveLength(1));
    await sink.close();
  });
});

describe('openAuditSinks + AuditFanout', () => {
  it('defaults to stdout plus SQLite in the state dir', async () => {
    const stateDir = freshDir();
    const sinks = await openAuditSinks({ stateDir, log: captureLog().log });
    expect(sinks.map((s) => s.name)).toEqual(['log', 'sqlite']);
    await Promise.all(sinks.map((s) => s.close()));
    await expect(fs.stat(path.join(stateDir, 'audit.db'))).resolves.toBeTruthy();
  });

  it("writes stdout only with 'none' and refuses an unknown target", async () => {
    const log = captureLog().log;
    const sinks = await openAuditSinks({ audit: 'none', stateDir: freshDir(), log });
    expect(sinks.map((s) => s.name)).toEqual(['log']);
    await expect(openAuditSinks({ audit: 'mysql://x', stateDir: freshDir(), log })).rejects.toThrow(/postgres:\/\//);
  });

  it('never lets a card number or a secret reach stdout or the SQLite file', async () => {
    const stateDir = freshDir();
    const captured = captureLog();
    const fanout = new AuditFanout(await openAuditSinks({ stateDir, log: captured.log }));
    const card = '4242424242424242';
    const leaky = record({
      path: `/v1/payment_methods?card[number]=${card}`,
      reason: `metadata.note="card 4242 4242 4242 4242" refused; key ${FAKE_SK_LIVE_IN_NOTE}`,
      idempotencyKey: `retry-${card}`,
      runId: `run-4242-4242-4242-4242`,
    });
    fanout.write(leaky);
    await fanout.close();

    const stdout = captured.text();
    const line = captured.lines().find((l) => l.msg === 'audit')!;
    expect((line.audit as AuditRecord).eventId).toBe(leaky.eventId);
    const files = await fs.readdir(stateDir);
    const stored = (await Promise.all(files.map((f) => fs.readFile(path.join(stateDir, f), 'latin1')))).join('');
    expect(rows(path.join(stateDir, 'audit.db'))).toHaveLength(1);
    for (const sink of [stdout, stored]) {
      for (const written of [card, '4242 4242 4242', '4242-4242-4242']) expect(sink).not.toContain(written);
      expect(sink).not.toContain('sk_live_51H');
      expect(sink).toContain('sk_live_[redacted]');
    }
  });
});
