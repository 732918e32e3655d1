// Audit records for tests: a factory, and a seeded "morning after" run whose
// totals are known by hand (see the expectations in cli.test.ts).
import pino from 'pino';
import { Writable } from 'node:stream';
import type { AuditRecord } from '../../src/audit/record.ts';

let counter = 0;

export function record(overrides: Partial<AuditRecord> = {}): AuditRecord {
  counter++;
  return {
    eventId: `evt-${process.pid}-${counter}`,
    time: new Date().toISOString(),
    namespace: 'agents',
    pod: 'support-agent-0',
    policy: 'support-refunds',
    useCase: 'refunds',
    runId: 'run-1',
    vendor: 'stripe',
    operation: 'refunds.create',
    method: 'POST',
    host: 'api.stripe.com',
    path: '/v1/refunds',
    decision: 'allowed',
    rule: 'partial-refunds',
    amount: 1000,
    currency: 'usd',
    upstreamStatus: 200,
    latencyMs: 12.5,
    ...overrides,
  };
}

const MINUTE = 60_000;

/** A day of calls relative to `now`. Hand totals over the last 24h are in SEED_SPEND. */
export function seedRecords(now: number): AuditRecord[] {
  const ago = (minutes: number): string => new Date(now - minutes * MINUTE).toISOString();
  const twilio = { useCase: 'notify', vendor: 'twilio', operation: 'messages.create', host: 'api.twilio.com', policy: 'notify' };
  return [
    record({ time: ago(10), amount: 1250, rule: 'partial-refunds', vendorRequestId: 'req_1' }),
    record({ time: ago(20), amount: 2500 }),
    record({ time: ago(30), amount: 90000, decision: 'denied', rule: undefined, reason: 'amount 90000 exceeds max 5000', upstreamStatus: undefined }),
    record({ time: ago(180), runId: 'run-2', amount: 700, decision: 'dryrun_denied', reason: 'would be denied: customer not allowed' }),
    record({ time: ago(40), ...twilio, runId: 'run-3', amount: 79, upstreamStatus: 201 }),
    record({ time: ago(5), ...twilio, runId: 'run-3', amount: 79, decision: 'killed', reason: 'killed by api', upstreamStatus: undefined }),
    record({ time: ago(120), runId: 'run-2', amount: 5000, operation: 'charges.create', upstreamStatus: 402 }),
    record({ time: ago(50), amount: 300, currency: 'eur', operation: 'payment_intents.create' }),
    record({ time: ago(2 * 24 * 60), amount: 10000 }),
    record({
      time: ago(70),
      useCase: 'notify',
      policy: 'notify',
      vendor: 'resend',
      operation: 'emails.send',
      host: 'api.resend.com',
      runId: 'run-4',
      amount: 90,
    }),
    record({ time: ago(15), runId: 'run-2', amount: 400, decision: 'error', reason: 'upstream error: socket hang up', upstreamStatus: undefined }),
    record({ time: ago(25), method: 'GET', path: '/v1/balance', operation: 'balance.retrieve', amount: undefined, currency: undefined, rule: 'reads' }),
  ];
}

export interface CapturedLog {
  log: pino.Logger;
  text(): string;
  lines(): Array<Record<string, unknown>>;
}

/** A pino logger writing into memory. */
export function captureLog(): CapturedLog {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  const text = (): string => chunks.join('');
  return {
    log: pino({ level: 'debug' }, stream),
    text,
    lines: () =>
      text()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}
