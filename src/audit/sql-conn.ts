// One small async query interface over SQLite (node:sqlite) and PostgreSQL
// (pg), so migrations and `keybrake audit` queries run the same SQL text on
// both. SQL is written with PostgreSQL's `$1` placeholders; SQLite gets them
// as `?1` (its numbered form). Rows come back alike from both: integers as
// numbers, times as ISO 8601 strings. pg itself is loaded only for a
// postgres:// target: a SQLite-only process never pays for it.
import { DatabaseSync } from 'node:sqlite';
import type pg from 'pg';

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

/** Opens a connection for reading: a SQLite file path or a postgres:// URL. */
export async function openSqlConn(target: string): Promise<SqlConn> {
  if (isPostgresUrl(target)) {
    const { openPgClient } = await import('./pg-types.ts');
    const client = await openPgClient(target);
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
