// AuditRecord field ↔ audit_events column, and the one INSERT both stores use.
// Typed against AuditRecord so a field added to the record without a column
// here fails to compile.
import type { AuditRecord } from './record.ts';
import type { SqlValue } from './sql-conn.ts';

export const COLUMNS: { readonly [K in keyof Required<AuditRecord>]: string } = {
  eventId: 'event_id',
  time: 'time',
  namespace: 'namespace',
  pod: 'pod',
  policy: 'policy',
  useCase: 'use_case',
  runId: 'run_id',
  vendor: 'vendor',
  operation: 'operation',
  method: 'method',
  host: 'host',
  path: 'path',
  decision: 'decision',
  rule: 'rule',
  reason: 'reason',
  amount: 'amount',
  currency: 'currency',
  costCap: 'cost_cap',
  capCurrency: 'cap_currency',
  upstreamStatus: 'upstream_status',
  vendorRequestId: 'vendor_request_id',
  latencyMs: 'latency_ms',
  idempotencyKey: 'idempotency_key',
  agentKeyId: 'agent_key_id',
  bodySha256: 'body_sha256',
};

const FIELDS = Object.keys(COLUMNS) as Array<keyof AuditRecord>;
const COLUMN_LIST = FIELDS.map((f) => COLUMNS[f]).join(', ');

/** `INSERT … VALUES (…), (…) ON CONFLICT (event_id) DO NOTHING` for `rows` records, `$n` placeholders. */
export function insertSql(rows: number): string {
  const width = FIELDS.length;
  const tuples = Array.from({ length: rows }, (_, r) => `(${FIELDS.map((_, c) => `$${r * width + c + 1}`).join(', ')})`);
  return `INSERT INTO audit_events (${COLUMN_LIST}) VALUES ${tuples.join(', ')} ON CONFLICT (event_id) DO NOTHING`;
}

function toValue(field: keyof AuditRecord, value: unknown): SqlValue {
  if (value === undefined || value === null) return null;
  // UTC ISO text everywhere: SQLite compares times as text, so one format only.
  if (field === 'time') {
    const time = new Date(value as string);
    if (!Number.isNaN(time.getTime())) return time.toISOString();
  }
  // PostgreSQL refuses NUL in text; an agent-controlled path must not poison a batch.
  if (typeof value === 'string') return value.replaceAll('\u0000', '\uFFFD');
  return value as number;
}

/** The record's values in insertSql's column order. */
export function recordValues(record: AuditRecord): SqlValue[] {
  return FIELDS.map((f) => toValue(f, record[f]));
}
