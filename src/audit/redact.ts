// Redaction applied to every audit record before any sink sees it: card
// numbers and secrets never reach stdout, SQLite or PostgreSQL, whichever
// string field they hide in (a path, a reason quoting a body field, an
// idempotency key, a run id). The string masking itself is src/redact/text.ts.
import type { AuditRecord } from './record.ts';
import { redactString } from '../redact/text.ts';

/** Fields in a machine format that cannot carry user text: left alone when they match it. */
const MACHINE_FORMAT: Partial<Record<keyof AuditRecord, RegExp>> = {
  time: /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/,
  bodySha256: /^[0-9a-f]{64}$/,
  // The proxy's own UUID. About 1 in 300 has dash-joined digit groups that pass Luhn:
  // masked, it would no longer match the x-keybrake-request-id the agent was given.
  eventId: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
};

/**
 * Fields whose values never come from the agent or the vendor: policy names,
 * catalog operation ids, the parser-checked method, the decision. Skipping
 * them keeps redaction off most of the record on the request path.
 */
const TRUSTED: ReadonlySet<string> = new Set<keyof AuditRecord>(['namespace', 'pod', 'policy', 'useCase', 'vendor', 'operation', 'method', 'decision', 'rule']);

/** A copy of the record with every string field that could carry agent or vendor text redacted. */
export function redactRecord(record: AuditRecord): AuditRecord {
  const out: Record<string, unknown> = {};
  for (const key in record) {
    const value = (record as unknown as Record<string, unknown>)[key];
    const format = MACHINE_FORMAT[key as keyof AuditRecord];
    out[key] = typeof value === 'string' && !TRUSTED.has(key) && !format?.test(value) ? redactString(value) : value;
  }
  return out as unknown as AuditRecord;
}
