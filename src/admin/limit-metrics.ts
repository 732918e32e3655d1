// Metrics for what the hardening limits did: connections closed by a deadline
// or the connection cap, bodies refused by the shared buffer budget, CEL
// evaluations stopped by the cost budget, and errors that escaped every
// handler (counted, logged, survived). Registered on the proxy's own registry.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { CloseReason, EscapedKind, LimitCounters } from '../limits/counters.ts';

export type { CloseReason, EscapedKind };

export class LimitMetrics implements LimitCounters {
  readonly #closed: Counter<'reason'>;
  readonly #bufferRefusals: Counter;
  readonly #celBudget: Counter;
  readonly #escaped: Counter<'kind'>;

  constructor(registry: Registry) {
    this.#closed = new Counter({
      name: 'keybrake_connections_closed_total',
      help: 'Agent connections the proxy closed itself: a deadline passed (handshake, header, body, idle) or the connection cap was reached (max_connections).',
      labelNames: ['reason'] as const,
      registers: [registry],
    });
    this.#bufferRefusals = new Counter({
      name: 'keybrake_body_buffer_refusals_total',
      help: 'Requests refused because the bodies buffered across all connections reached --max-buffered-bytes.',
      registers: [registry],
    });
    this.#celBudget = new Counter({
      name: 'keybrake_cel_budget_exceeded_total',
      help: 'Calls refused because a CEL expression exceeded its evaluation cost budget.',
      registers: [registry],
    });
    this.#escaped = new Counter({
      name: 'keybrake_unhandled_errors_total',
      help: 'Errors that escaped every handler (unhandled rejections, uncaught exceptions); logged and survived. Any increase is a bug.',
      labelNames: ['kind'] as const,
      registers: [registry],
    });
    for (const reason of ['handshake', 'header', 'body', 'idle', 'max_connections'] as const) this.#closed.inc({ reason }, 0);
    for (const kind of ['rejection', 'exception'] as const) this.#escaped.inc({ kind }, 0);
  }

  closed(reason: CloseReason): void {
    this.#closed.inc({ reason });
  }

  bufferRefused(): void {
    this.#bufferRefusals.inc();
  }

  celBudgetExceeded(): void {
    this.#celBudget.inc();
  }

  /** Reads the bytes buffered across connections at scrape time. */
  watchBuffered(read: () => number, registry: Registry): void {
    new Gauge({
      name: 'keybrake_body_buffered_bytes',
      help: 'Request-body bytes held across all connections now (bounded by --max-buffered-bytes).',
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  }

  escaped(kind: EscapedKind): void {
    this.#escaped.inc({ kind });
  }
}
