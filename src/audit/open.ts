// Which audit sinks a proxy writes to (`--audit`), and the fan-out the data
// plane hands each record to: redacted once, then given to every sink.
import path from 'node:path';
import type { Logger } from 'pino';
import { LogAuditSink } from './log-sink.ts';
import type { AuditRecord, AuditSink, AuditSinkStats, WatchedAuditSink } from './record.ts';
import { redactRecord } from './redact.ts';
import { isPostgresUrl, safeUrl } from './sql-conn.ts';
import { SQLITE_AUDIT_FILE, openSqliteSink } from './sqlite-sink.ts';

/** A sink the metrics module can watch (queue depth, drops, spool, errors). */
export type MonitoredAuditSink = AuditSink & WatchedAuditSink;

export interface OpenAuditOptions {
  /** undefined or 'sqlite': `<stateDir>/audit.db`; 'postgres://…': PostgreSQL; 'none': stdout only. */
  audit?: string;
  stateDir: string;
  log: Logger;
}

/** The stdout sink always, plus the configured store. */
export async function openAuditSinks(opts: OpenAuditOptions): Promise<MonitoredAuditSink[]> {
  const sinks: MonitoredAuditSink[] = [new LogAuditSink(opts.log)];
  const target = opts.audit ?? 'sqlite';
  if (target === 'none') return sinks;
  if (target === 'sqlite') {
    sinks.push(await openSqliteSink({ file: path.join(opts.stateDir, SQLITE_AUDIT_FILE), log: opts.log }));
  } else if (isPostgresUrl(target)) {
    // Loaded on demand: pg is not paid for by a proxy that does not use it.
    const { openPostgresSink } = await import('./postgres-sink.ts');
    sinks.push(await openPostgresSink({ url: target, stateDir: opts.stateDir, log: opts.log }));
    opts.log.info({ target: safeUrl(target) }, 'audit to PostgreSQL');
  } else {
    throw new Error(`--audit must be 'sqlite', 'none' or a postgres:// URL, not '${target.slice(0, 40)}'`);
  }
  return sinks;
}

/**
 * Redacts each record once, then writes it to every sink. A throwing sink never
 * stops the others. write() only queues: redaction, the log line and the store
 * queue run once per event-loop turn (setImmediate), after the I/O callbacks of
 * that turn — so the responses those callbacks wrote are out before any audit
 * work, and nothing the agent waits for pays for it.
 */
export class AuditFanout implements AuditSink {
  readonly name = 'fanout';
  readonly sinks: readonly MonitoredAuditSink[];
  readonly #log?: Logger;
  #queued: AuditRecord[] = [];
  #scheduled?: NodeJS.Immediate;

  constructor(sinks: readonly MonitoredAuditSink[], log?: Logger) {
    this.sinks = sinks;
    this.#log = log;
  }

  write(record: AuditRecord): void {
    this.#queued.push(record);
    this.#scheduled ??= setImmediate(() => this.#deliver());
  }

  #deliver(): void {
    clearImmediate(this.#scheduled);
    this.#scheduled = undefined;
    const batch = this.#queued;
    this.#queued = [];
    for (const record of batch) {
      const redacted = redactRecord(record);
      for (const sink of this.sinks) {
        try {
          sink.write(redacted);
        } catch (err) {
          this.#log?.error({ sink: sink.name, eventId: redacted.eventId, err }, 'audit sink write failed');
        }
      }
    }
  }

  async flush(): Promise<void> {
    this.#deliver();
    await Promise.all(this.sinks.map((s) => s.flush()));
  }

  async close(): Promise<void> {
    this.#deliver();
    await Promise.all(this.sinks.map((s) => s.close()));
  }

  /** Per-sink stats, by sink name. */
  stats(): Record<string, AuditSinkStats> {
    return Object.fromEntries(this.sinks.map((s) => [s.name, s.stats()]));
  }
}
