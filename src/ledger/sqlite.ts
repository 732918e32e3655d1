// The default ledger: a SQLite file in the state directory (node:sqlite, WAL),
// so usage survives a container restart. The ledger calls of one event-loop
// turn run in one IMMEDIATE transaction (group-commit.ts), each in its own
// savepoint: check and increment happen under SQLite's write lock, which also
// keeps two processes on the same file (--workers) from overshooting a cap.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { HeldCharge, LedgerStore, StoredReservation } from './store-ledger.ts';
import { StoreLedger } from './store-ledger.ts';
import { checkpointInBackground, type Checkpointer } from '../sqlite/checkpointer.ts';

export const LEDGER_FILE = 'ledger.sqlite';

/** Expired rows of keys nobody asks about again are swept at most this often. */
const SWEEP_EVERY_MS = 60_000;

const SCHEMA = `
  PRAGMA busy_timeout = 5000;
  PRAGMA journal_mode = WAL;
  PRAGMA synchronous = NORMAL;
  -- Per key: held + committed. Rolling keys: running total of live entries
  -- (expires_at NULL). Calendar buckets: the counter until the bucket ends.
  CREATE TABLE IF NOT EXISTS usage (
    key TEXT PRIMARY KEY, used INTEGER NOT NULL, expires_at INTEGER
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS rolling_entries (
    key TEXT NOT NULL, request_id TEXT NOT NULL, expires_at INTEGER NOT NULL, amount INTEGER NOT NULL,
    PRIMARY KEY (key, request_id)
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS rolling_entries_by_key_expiry ON rolling_entries (key, expires_at);
  CREATE INDEX IF NOT EXISTS rolling_entries_by_expiry ON rolling_entries (expires_at);
  CREATE TABLE IF NOT EXISTS reservations (
    request_id TEXT PRIMARY KEY, hold_until INTEGER NOT NULL, state TEXT NOT NULL,
    idempotency_key TEXT, charges TEXT NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS reservations_by_hold ON reservations (hold_until);
  CREATE TABLE IF NOT EXISTS idempotency (
    key TEXT PRIMARY KEY, request_id TEXT NOT NULL, expires_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS loop_members (
    key TEXT NOT NULL, member TEXT NOT NULL, expires_at INTEGER NOT NULL, PRIMARY KEY (key, member)
  ) WITHOUT ROWID;
`;

const SQL = {
  expireEntries: 'DELETE FROM rolling_entries WHERE key = ? AND expires_at <= ? RETURNING amount',
  addToUsage: 'UPDATE usage SET used = used + ? WHERE key = ?',
  readUsage: 'SELECT used, expires_at FROM usage WHERE key = ?',
  deleteUsage: 'DELETE FROM usage WHERE key = ?',
  insertEntry: 'INSERT INTO rolling_entries (key, request_id, expires_at, amount) VALUES (?, ?, ?, ?)',
  holdRolling: 'INSERT INTO usage (key, used, expires_at) VALUES (?, ?, NULL) ON CONFLICT (key) DO UPDATE SET used = used + excluded.used',
  holdBucket:
    'INSERT INTO usage (key, used, expires_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET used = used + excluded.used, expires_at = excluded.expires_at',
  liveEntry: 'SELECT amount FROM rolling_entries WHERE key = ? AND request_id = ? AND expires_at > ?',
  setEntry: 'UPDATE rolling_entries SET amount = ? WHERE key = ? AND request_id = ?',
  deleteEntry: 'DELETE FROM rolling_entries WHERE key = ? AND request_id = ?',
  adjustBucket: 'UPDATE usage SET used = used + ? WHERE key = ? AND expires_at > ?',
  reservation: 'SELECT hold_until, state, idempotency_key, charges FROM reservations WHERE request_id = ?',
  saveReservation: 'INSERT OR REPLACE INTO reservations (request_id, hold_until, state, idempotency_key, charges) VALUES (?, ?, ?, ?, ?)',
  idempotent: 'SELECT request_id FROM idempotency WHERE key = ? AND expires_at > ?',
  remember: 'INSERT OR REPLACE INTO idempotency (key, request_id, expires_at) VALUES (?, ?, ?)',
  forget: 'DELETE FROM idempotency WHERE key = ? AND request_id = ?',
  expireMembers: 'DELETE FROM loop_members WHERE key = ? AND expires_at <= ?',
  addMember: 'INSERT OR REPLACE INTO loop_members (key, member, expires_at) VALUES (?, ?, ?)',
  countMembers: 'SELECT COUNT(*) AS n FROM loop_members WHERE key = ?',
  keysWithExpiredEntries: 'SELECT DISTINCT key FROM rolling_entries WHERE expires_at <= ?',
  sweepBuckets: 'DELETE FROM usage WHERE expires_at IS NOT NULL AND expires_at <= ?',
  sweepIdleRolling: 'DELETE FROM usage WHERE expires_at IS NULL AND used = 0 AND NOT EXISTS (SELECT 1 FROM rolling_entries e WHERE e.key = usage.key)',
  sweepReservations: 'DELETE FROM reservations WHERE hold_until <= ?',
  sweepIdempotency: 'DELETE FROM idempotency WHERE expires_at <= ?',
  sweepMembers: 'DELETE FROM loop_members WHERE expires_at <= ?',
} as const;

type Row = Record<string, string | number | null>;

class SqliteStore implements LedgerStore {
  private readonly db: DatabaseSync;
  private readonly q: Record<keyof typeof SQL, StatementSync>;
  private lastSweep = -Infinity;
  private readonly checkpointer: Checkpointer;

  constructor(path: string) {
    this.db = new DatabaseSync(path);
    this.db.exec(SCHEMA);
    this.q = Object.fromEntries(Object.entries(SQL).map(([name, sql]) => [name, this.db.prepare(sql)])) as SqliteStore['q'];
    this.checkpointer = checkpointInBackground(this.db, path);
  }

  transaction<T>(fn: () => T): T {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const result = fn();
      this.db.exec('COMMIT');
      return result;
    } catch (err) {
      if (this.db.isTransaction) this.db.exec('ROLLBACK');
      throw err;
    }
  }

  nested<T>(fn: () => T): T {
    this.db.exec('SAVEPOINT call');
    try {
      const result = fn();
      this.db.exec('RELEASE call');
      return result;
    } catch (err) {
      this.db.exec('ROLLBACK TO call');
      this.db.exec('RELEASE call');
      throw err;
    }
  }

  usage(key: string, now: number): number {
    const expired = this.q.expireEntries.all(key, now) as Row[];
    if (expired.length > 0) this.q.addToUsage.run(-expired.reduce((sum, r) => sum + Number(r.amount), 0), key);
    const row = this.q.readUsage.get(key) as Row | undefined;
    if (!row) return 0;
    if (row.expires_at !== null && Number(row.expires_at) <= now) {
      this.q.deleteUsage.run(key);
      return 0;
    }
    return Number(row.used);
  }

  hold(charge: HeldCharge, requestId: string): void {
    if (charge.rolling) {
      this.q.insertEntry.run(charge.key, requestId, charge.expiresAt, charge.amount);
      this.q.holdRolling.run(charge.key, charge.amount);
    } else {
      this.q.holdBucket.run(charge.key, charge.amount, charge.expiresAt);
    }
  }

  adjust(charge: HeldCharge, requestId: string, amount: number, now: number): void {
    if (!charge.rolling) {
      this.q.adjustBucket.run(amount - charge.amount, charge.key, now);
      return;
    }
    const entry = this.q.liveEntry.get(charge.key, requestId, now) as Row | undefined;
    if (!entry) return;
    if (amount === 0) this.q.deleteEntry.run(charge.key, requestId);
    else this.q.setEntry.run(amount, charge.key, requestId);
    this.q.addToUsage.run(amount - Number(entry.amount), charge.key);
  }

  reservation(requestId: string): StoredReservation | undefined {
    const row = this.q.reservation.get(requestId) as Row | undefined;
    if (!row) return undefined;
    return {
      requestId,
      holdUntil: Number(row.hold_until),
      state: row.state as StoredReservation['state'],
      idempotencyKey: row.idempotency_key === null ? undefined : String(row.idempotency_key),
      charges: JSON.parse(String(row.charges)) as HeldCharge[],
    };
  }

  saveReservation(r: StoredReservation, now: number): void {
    this.q.saveReservation.run(r.requestId, r.holdUntil, r.state, r.idempotencyKey ?? null, JSON.stringify(r.charges));
    this.sweep(now);
  }

  idempotent(idempotencyKey: string, now: number): string | undefined {
    const row = this.q.idempotent.get(idempotencyKey, now) as Row | undefined;
    return row ? String(row.request_id) : undefined;
  }

  remember(idempotencyKey: string, requestId: string, expiresAt: number): void {
    this.q.remember.run(idempotencyKey, requestId, expiresAt);
  }

  forget(idempotencyKey: string, requestId: string): void {
    this.q.forget.run(idempotencyKey, requestId);
  }

  countIdentical(key: string, member: string, windowMs: number, now: number): number {
    this.q.expireMembers.run(key, now);
    this.q.addMember.run(key, member, now + windowMs);
    return Number((this.q.countMembers.get(key) as Row).n);
  }

  async close(): Promise<void> {
    await this.checkpointer.stop();
    if (this.db.isOpen) this.db.close(); // the last connection to close checkpoints what is left
  }

  /** Drop what expired under keys that are not asked about again (finished runs, old buckets). */
  private sweep(now: number): void {
    if (now - this.lastSweep < SWEEP_EVERY_MS) return;
    this.lastSweep = now;
    for (const row of this.q.keysWithExpiredEntries.all(now) as Row[]) this.usage(String(row.key), now);
    this.q.sweepBuckets.run(now);
    this.q.sweepIdleRolling.run();
    this.q.sweepReservations.run(now);
    this.q.sweepIdempotency.run(now);
    this.q.sweepMembers.run(now);
  }
}

/** Opens (creating if needed) the ledger file in `stateDir`. */
export function openSqliteLedger(stateDir: string): StoreLedger {
  mkdirSync(stateDir, { recursive: true });
  return new StoreLedger('sqlite', new SqliteStore(join(stateDir, LEDGER_FILE)), { groupCommit: true });
}
