// The audit schema: versioned migrations, one source of truth for SQLite and
// PostgreSQL. Each migration is frozen once released; a change is a new
// migration. The few dialect differences are the placeholders in DIALECTS,
// and nowhere else.
import type { Dialect, SqlConn } from './sql-conn.ts';

interface DialectSql {
  /** Insertion-order key: also tells an analyst the order rows arrived in. */
  serialPk: string;
  timestamp: string;
  double: string;
  /** The UTC calendar day of `time`, as 'YYYY-MM-DD' text in both. */
  day: string;
  /** Opens the migration transaction and keeps concurrent starters out until it ends. */
  begin: string[];
}

const DIALECTS: Record<Dialect, DialectSql> = {
  sqlite: {
    serialPk: 'INTEGER PRIMARY KEY AUTOINCREMENT',
    // Stored as ISO 8601 UTC text (the sinks normalize it), so text order is time order.
    timestamp: 'TEXT',
    double: 'REAL',
    day: 'substr(time, 1, 10)',
    begin: ['BEGIN IMMEDIATE'],
  },
  postgres: {
    serialPk: 'BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY',
    timestamp: 'TIMESTAMPTZ',
    double: 'DOUBLE PRECISION',
    day: "to_char(time AT TIME ZONE 'UTC', 'YYYY-MM-DD')",
    // Several proxies starting at once: one migrates, the others wait and then see it done.
    begin: ['BEGIN', 'SELECT pg_advisory_xact_lock(7301202401)'],
  },
};

/**
 * Spend that left: calls that were forwarded (allowed; dry-run-denied and
 * forwarded anyway; error = forwarded with an unknown outcome) with an
 * amount, unless the vendor refused them (4xx/5xx). An unknown outcome counts,
 * as the ledger keeps its reservation. Frozen with migration 1's
 * `spend_daily`; `keybrake audit spend` uses the same condition.
 */
export const SPEND_CONDITION =
  "decision IN ('allowed', 'dryrun_denied', 'error') AND amount IS NOT NULL AND (upstream_status IS NULL OR upstream_status < 400)";

export interface Migration {
  version: number;
  name: string;
  /** Statements with `{{placeholders}}` from DIALECTS. */
  statements: string[];
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'audit_events and daily views',
    statements: [
      `CREATE TABLE audit_events (
  seq {{serialPk}},
  event_id TEXT NOT NULL UNIQUE,
  time {{timestamp}} NOT NULL,
  namespace TEXT,
  pod TEXT,
  policy TEXT,
  use_case TEXT,
  run_id TEXT,
  vendor TEXT,
  operation TEXT,
  method TEXT NOT NULL,
  host TEXT NOT NULL,
  path TEXT NOT NULL,
  decision TEXT NOT NULL,
  rule TEXT,
  reason TEXT,
  amount BIGINT,
  currency TEXT,
  cost_cap BIGINT,
  cap_currency TEXT,
  upstream_status INTEGER,
  vendor_request_id TEXT,
  latency_ms {{double}} NOT NULL,
  idempotency_key TEXT,
  agent_key_id TEXT,
  body_sha256 TEXT
)`,
      'CREATE INDEX audit_events_time ON audit_events (time)',
      'CREATE INDEX audit_events_run_time ON audit_events (run_id, time)',
      'CREATE INDEX audit_events_policy_time ON audit_events (policy, time)',
      `CREATE VIEW spend_daily AS
SELECT {{day}} AS day, namespace, use_case, vendor, currency,
       SUM(amount) AS total, COUNT(*) AS calls
FROM audit_events
WHERE ${SPEND_CONDITION}
GROUP BY {{day}}, namespace, use_case, vendor, currency`,
      `CREATE VIEW decisions_daily AS
SELECT {{day}} AS day, policy, decision, rule, COUNT(*) AS calls
FROM audit_events
GROUP BY {{day}}, policy, decision, rule`,
    ],
  },
];

const SCHEMA_MIGRATIONS = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  applied_at TEXT NOT NULL
)`;

/** A migration's statements in one dialect. */
export function migrationStatements(migration: Migration, dialect: Dialect): string[] {
  const sql = DIALECTS[dialect];
  return migration.statements.map((statement) =>
    statement.replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
      const value = sql[key as keyof DialectSql];
      if (typeof value !== 'string') throw new Error(`migration ${migration.version}: unknown placeholder {{${key}}}`);
      return value;
    }),
  );
}

/** The whole schema as one script, for the docs and for an analyst who builds it by hand. */
export function schemaScript(dialect: Dialect): string {
  return [SCHEMA_MIGRATIONS, ...MIGRATIONS.flatMap((m) => migrationStatements(m, dialect))].map((s) => `${s};\n`).join('\n');
}

/** Applies every migration not yet recorded, in one transaction. Safe to run at every start. Returns the versions applied. */
export async function applyMigrations(conn: SqlConn): Promise<number[]> {
  for (const statement of DIALECTS[conn.dialect].begin) await conn.query(statement);
  try {
    await conn.query(SCHEMA_MIGRATIONS);
    const rows = await conn.query('SELECT version FROM schema_migrations');
    const done = new Set(rows.map((r) => Number(r.version)));
    const applied: number[] = [];
    for (const migration of MIGRATIONS) {
      if (done.has(migration.version)) continue;
      for (const statement of migrationStatements(migration, conn.dialect)) await conn.query(statement);
      await conn.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
        migration.version,
        migration.name,
        new Date().toISOString(),
      ]);
      applied.push(migration.version);
    }
    await conn.query('COMMIT');
    return applied;
  } catch (err) {
    await conn.query('ROLLBACK').catch(() => {});
    throw err;
  }
}
