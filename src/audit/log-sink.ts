// Audit as pino JSON lines on stdout: always on, whatever the store. One line
// per record, the record nested under `audit` with its own field names (flat,
// its `time` would collide with pino's own timestamp key).
import pino, { type Logger } from 'pino';
import type { AuditRecord, AuditSink, AuditSinkStats, WatchedAuditSink } from './record.ts';

export class LogAuditSink implements AuditSink, WatchedAuditSink {
  readonly name = 'log';
  readonly #log: Logger;
  #errors = 0;

  constructor(log: Logger = pino()) {
    this.#log = log;
  }

  write(record: AuditRecord): void {
    try {
      this.#log.info({ audit: record }, 'audit');
    } catch {
      // A broken stdout must not break the request; the counter shows it.
      this.#errors++;
    }
  }

  flush(): Promise<void> {
    return new Promise((resolve) => this.#log.flush(() => resolve()));
  }

  close(): Promise<void> {
    return this.flush();
  }

  stats(): AuditSinkStats {
    return { queued: 0, dropped: 0, spooled: 0, errors: this.#errors };
  }
}
