// One small async query interface over SQLite (node:sqlite) and PostgreSQL
// (pg), so migrations and `keybrake audit` queries run the same SQL text on
// both. SQL is written with PostgreSQL's `$1` placeholders; SQLite gets them
// as `?1` (its numbered form). Rows come back alike from both: integers as
// numbers, times as ISO 8601 strings.
import { DatabaseSync } from 'node:sqlite';
import pg from 'pg';

export type Dialect = 'sqlite' | 'postgres';
export type SqlValue = string | number | null;
export type Row = Record<string, unknown>;

export interface SqlConn {
  readonly dialect: Dialect;
  query(sql: string, params?: readonly SqlValue[]): Promise<Row[]>;
  close(): Promise<void>;
}

/** True for `postgres://…` and `postgresql://…` targets. */
export function isPostgresUrl(target: string): boolean {
  return /^postgres(ql)?:\/\//i.test(target);
}

/** `$1` → `?1`: SQLite's numbered parameters bind positionally just like PostgreSQL's. */
export function sqlitePlaceholders(sql: string): string {
  return sql.replace(/\$(\d+)/g, '?$1');
}

export function sqliteConn(db: DatabaseSync): SqlConn {
  return {
    dialect: 'sqlite',
    async query(sql, params = []) {
      return db.prepare(sqlitePlaceholders(sql)).all(...params) as Row[];
    },
    async close() {
      if (db.isOpen) db.close();
    },
  };
}

export function pgConn(client: pg.ClientBase, close: () => Promise<void>): SqlConn {
  return {
    dialect: 'postgres',
    async query(sql, params = []) {
      return (await client.query(sql, params as SqlValue[])).rows as Row[];
    },
    close,
  };
}

const INT8_OID = 20;
const NUMERIC_OID = 1700;
const TIMESTAMPTZ_OID = 1184;

/** Integers (counts, sums of minor units) stay exact or fail loudly; other numerics (averages) are plain numbers. */
function exactNumber(text: string): number {
  const n = Number(text);
  if (/^-?\d+$/.test(text) && !Number.isSafeInteger(n)) throw new Error(`value ${text} is beyond the safe integer range`);
  return n;
}

/**
 * Per-connection type parsers (not pg's global ones, which other modules
 * share): BIGINT/COUNT/SUM as numbers, TIMESTAMPTZ as ISO strings like SQLite's.
 */
export const PG_TYPES: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === INT8_OID || oid === NUMERIC_OID) return exactNumber;
    if (oid === TIMESTAMPTZ_OID) {
      const toDate = pg.types.getTypeParser(TIMESTAMPTZ_OID, 'text') as (v: string) => Date;
      return (value: string) => toDate(value).toISOString();
    }
    return pg.types.getTypeParser(oid, format);
  }) as pg.CustomTypesConfig['getTypeParser'],
};

/** Opens a connection for reading: a SQLite file path or a postgres:// URL. */
export async function openSqlConn(target: string): Promise<SqlConn> {
  if (isPostgresUrl(target)) {
    const client = new pg.Client({ connectionString: target, types: PG_TYPES, connectionTimeoutMillis: 10_000 });
    // pg also emits a lost connection as 'error' on the client: unheard, it would crash the
    // command with a stack trace. The query in flight rejects with it, and that is reported.
    client.on('error', () => {});
    await client.connect();
    return pgConn(client, () => client.end());
  }
  return sqliteConn(new DatabaseSync(target, { readOnly: true }));
}

/** A postgres URL with its password masked, for messages and logs. */
export function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres://(unparseable url)';
  }
}
