// Writes audit records into PostgreSQL: one multi-row INSERT per batch,
// idempotent by event id. Tells "PostgreSQL is not there" (throws: the caller
// spools and retries) apart from "PostgreSQL refuses this row" (returned: a
// retry would refuse it forever, so it must not block the records behind it).
import type pg from 'pg';
import { insertSql, recordValues } from './columns.ts';
import { applyMigrations } from './migrations.ts';
import type { AuditRecord } from './record.ts';
import { pgConn } from './sql-conn.ts';

export interface RejectedRecord {
  record: AuditRecord;
  error: string;
}

/** SQLSTATE classes 22 (data exception) and 23 (integrity violation): the row itself is refused. */
function isRowError(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && /^2[23]/.test(code);
}

const UNDEFINED_TABLE = '42P01';

export class PostgresAuditStore {
  readonly #pool: pg.Pool;
  #migrated = false;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  /** Stores the records; returns the ones PostgreSQL refused as rows. Throws when it cannot be reached. */
  async insert(records: readonly AuditRecord[]): Promise<RejectedRecord[]> {
    if (records.length === 0) return [];
    await this.#migrate();
    try {
      await this.#insertRows(records);
      return [];
    } catch (err) {
      if (!isRowError(err)) throw err;
    }
    // Find the refused rows one by one; the others go in (already stored ones are skipped by event id).
    const rejected: RejectedRecord[] = [];
    for (const record of records) {
      try {
        await this.#insertRows([record]);
      } catch (err) {
        if (!isRowError(err)) throw err;
        rejected.push({ record, error: (err as Error).message });
      }
    }
    return rejected;
  }

  async #insertRows(records: readonly AuditRecord[]): Promise<void> {
    try {
      await this.#pool.query(insertSql(records.length), records.flatMap(recordValues));
    } catch (err) {
      // Someone dropped the table: migrate again before the next attempt.
      if ((err as { code?: unknown }).code === UNDEFINED_TABLE) this.#migrated = false;
      throw err;
    }
  }

  /**
   * Creates or upgrades the schema. The sink calls it at start (so `keybrake
   * audit` works on a fresh database before the first call) and again before
   * inserting if that failed: a proxy must start while PostgreSQL is down.
   */
  migrate(): Promise<void> {
    return this.#migrate();
  }

  async #migrate(): Promise<void> {
    if (this.#migrated) return;
    const client = await this.#pool.connect();
    let broken: Error | undefined;
    // Checked out, the client has no pool listener, and pg emits a lost connection as
    // 'error' on it: unheard, a shutdown mid-migration killed the proxy. The statement fails instead.
    const onError = (err: Error) => {
      broken ??= err;
    };
    client.on('error', onError);
    try {
      await applyMigrations(pgConn(client, async () => {}));
      this.#migrated = true;
    } catch (err) {
      broken ??= err as Error;
      throw err;
    } finally {
      client.off('error', onError);
      // A client that failed mid-transaction is discarded, not returned to the pool.
      client.release(broken);
    }
  }
}
