// The queries behind `keybrake audit`. Each is a named constant, one text for
// SQLite and PostgreSQL ($n parameters; see sql-conn.ts), so docs/audit.md
// shows exactly what runs and an analyst can paste it into psql or sqlite3.
import type { Decision } from './record.ts';
import { SPEND_CONDITION } from './migrations.ts';
import type { Row, SqlConn } from './sql-conn.ts';

export type SpendGroup = 'use-case' | 'run' | 'operation' | 'vendor';

/** Every decision, typed so a new one cannot be forgotten in `--decision`. */
export const DECISIONS: Readonly<Record<Decision, true>> = {
  allowed: true,
  denied: true,
  dryrun_denied: true,
  killed: true,
  error: true,
};

function spendSql(columns: string): string {
  return `SELECT ${columns}, currency, SUM(amount) AS total, COUNT(*) AS calls
FROM audit_events
WHERE time >= $1
  AND ${SPEND_CONDITION}
GROUP BY ${columns}, currency
ORDER BY currency, total DESC, ${columns}`;
}

/** The columns each `--by` groups on, in output order. */
export const SPEND_GROUP_COLUMNS: Readonly<Record<SpendGroup, readonly string[]>> = {
  'use-case': ['use_case'],
  run: ['run_id'],
  operation: ['vendor', 'operation'],
  vendor: ['vendor'],
};

/** `keybrake audit spend --by …`: $1 = start time (ISO 8601). */
export const SPEND_SQL: Readonly<Record<SpendGroup, string>> = {
  'use-case': spendSql('use_case'),
  run: spendSql('run_id'),
  operation: spendSql('vendor, operation'),
  vendor: spendSql('vendor'),
};

/** `keybrake audit calls`: $1 = start time, $2 = run id or NULL, $3 = decision or NULL, $4 = row limit. Newest first. */
export const CALLS_SQL = `SELECT time, run_id, use_case, vendor, operation, decision, rule,
       amount, currency, cost_cap, cap_currency, upstream_status, latency_ms,
       reason, event_id
FROM audit_events
WHERE time >= $1
  AND (CAST($2 AS TEXT) IS NULL OR run_id = $2)
  AND (CAST($3 AS TEXT) IS NULL OR decision = $3)
ORDER BY time DESC, seq DESC
LIMIT $4`;

export interface SpendQuery {
  since: Date;
  by: SpendGroup;
}

export interface CallsQuery {
  since: Date;
  runId?: string;
  decision?: Decision;
  limit: number;
}

export function querySpend(conn: SqlConn, q: SpendQuery): Promise<Row[]> {
  return conn.query(SPEND_SQL[q.by], [q.since.toISOString()]);
}

export function queryCalls(conn: SqlConn, q: CallsQuery): Promise<Row[]> {
  return conn.query(CALLS_SQL, [q.since.toISOString(), q.runId ?? null, q.decision ?? null, q.limit]);
}
