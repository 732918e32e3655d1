// The fleet audit store: PostgreSQL, with no loss when it is unreachable.
//
//   write() → bounded queue → batch ─┬─ spool empty: INSERT; unreachable → append to spool
//                                    └─ spool not empty: append to spool (keeps the order)
//   replay loop: spool → INSERT in order, retry with backoff → spool deleted when drained
//
// The spool is in the state dir and fsynced per batch; a restart finds it and
// replays it. Inserts skip event ids already stored, so replaying a chunk
// twice (a crash between INSERT and commit) never duplicates a row.
import fs from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import type { Logger } from 'pino';
import { BatchQueue, DEFAULT_QUEUE_LIMITS, type QueueLimits } from './batch-queue.ts';
import { PostgresAuditStore, type RejectedRecord } from './pg-store.ts';
import type { AuditRecord, AuditSink, AuditSinkStats, WatchedAuditSink } from './record.ts';
import { safeUrl } from './sql-conn.ts';
import { PG_TYPES } from './pg-types.ts';
import { Spool, appendJsonLines } from './spool.ts';

export const SPOOL_FILE = 'audit-spool.jsonl';
/** Records PostgreSQL refused as rows (never expected): kept for a human, not retried. */
export const REJECTED_FILE = 'audit-rejected.jsonl';

export interface RetryDelays {
  minMs: number;
  maxMs: number;
}

export interface PostgresSinkOptions {
  url: string;
  stateDir: string;
  log: Logger;
  limits?: Partial<QueueLimits>;
  retry?: Partial<RetryDelays>;
  /** Extra pg.Pool settings (tests shorten the timeouts). */
  pool?: Partial<pg.PoolConfig>;
}

const DEFAULT_RETRY: RetryDelays = { minMs: 250, maxMs: 5_000 };

export class PostgresAuditSink implements AuditSink, WatchedAuditSink {
  readonly name = 'postgres';
  readonly #log: Logger;
  readonly #pool: pg.Pool;
  readonly #store: PostgresAuditStore;
  readonly #spool: Spool;
  readonly #rejectedFile: string;
  readonly #retry: RetryDelays;
  readonly #batchSize: number;
  readonly #queue: BatchQueue<AuditRecord>;
  readonly #stop = new AbortController();
  #replaying?: Promise<void>;
  #closing?: Promise<void>;
  #unreachable = false;
  #spooled = 0;
  #errors = 0;

  /** Use openPostgresSink: it opens the spool an earlier process may have left. */
  constructor(spool: Spool, opts: PostgresSinkOptions) {
    this.#log = opts.log;
    this.#spool = spool;
    this.#rejectedFile = path.join(opts.stateDir, REJECTED_FILE);
    this.#retry = { ...DEFAULT_RETRY, ...opts.retry };
    const limits = { ...DEFAULT_QUEUE_LIMITS, ...opts.limits };
    this.#batchSize = limits.batchSize;
    this.#pool = new pg.Pool({
      connectionString: opts.url,
      types: PG_TYPES,
      max: 4,
      connectionTimeoutMillis: 3_000,
      query_timeout: 5_000,
      ...opts.pool,
    });
    // Idle clients die with the server; without a listener that error would crash the proxy.
    this.#pool.on('error', (err) => this.#noteUnreachable(err));
    this.#store = new PostgresAuditStore(this.#pool);
    this.#queue = new BatchQueue({
      name: this.name,
      limits,
      log: opts.log,
      deliver: (batch) => this.#deliver(batch),
      onError: (err, batch) => {
        this.#errors += batch.length;
        this.#log.error({ sink: this.name, records: batch.length, err }, 'audit records could not be stored or spooled');
      },
    });
    if (spool.backlog > 0) this.#startReplay();
  }

  write(record: AuditRecord): void {
    this.#queue.push(record);
  }

  /** Everything written so far is in PostgreSQL or in the fsynced spool when this resolves. */
  flush(): Promise<void> {
    return this.#queue.flush();
  }

  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async #shutdown(): Promise<void> {
    await this.#queue.flush();
    this.#stop.abort();
    await this.#replaying;
    await this.#pool.end();
    if (this.#spool.backlog > 0) {
      this.#log.warn(
        { sink: this.name, spoolBytes: this.#spool.backlog, spool: this.#spool.file },
        'audit spool not yet replayed; it is replayed at the next start',
      );
    }
  }

  /** Migrates now; when PostgreSQL cannot be reached, says so and leaves it to the first insert. */
  async migrateAtStart(): Promise<void> {
    try {
      await this.#store.migrate();
    } catch (err) {
      this.#noteUnreachable(err);
    }
  }

  stats(): AuditSinkStats {
    return { queued: this.#queue.depth, dropped: this.#queue.dropped, spooled: this.#spooled, errors: this.#errors };
  }

  async #deliver(batch: AuditRecord[]): Promise<void> {
    if (this.#spool.backlog === 0) {
      try {
        await this.#insert(batch);
        return;
      } catch (err) {
        this.#noteUnreachable(err);
      }
    }
    await this.#spool.append(batch);
    this.#spooled += batch.length;
    this.#startReplay();
  }

  async #insert(records: AuditRecord[]): Promise<void> {
    const rejected = await this.#store.insert(records);
    if (this.#unreachable) {
      this.#unreachable = false;
      this.#log.info({ sink: this.name }, 'PostgreSQL reachable again: replaying the audit spool');
    }
    if (rejected.length > 0) await this.#keepRejected(rejected);
  }

  #startReplay(): void {
    if (this.#stop.signal.aborted) return;
    this.#replaying ??= this.#replay().finally(() => {
      this.#replaying = undefined;
    });
  }

  async #replay(): Promise<void> {
    let delay = this.#retry.minMs;
    while (this.#spool.backlog > 0 && !this.#stop.signal.aborted) {
      try {
        const chunk = await this.#spool.read(this.#batchSize);
        if (chunk.corrupt > 0) {
          this.#errors += chunk.corrupt;
          this.#log.error({ sink: this.name, lines: chunk.corrupt, spool: this.#spool.file }, 'unreadable lines in the audit spool skipped');
        }
        await this.#insert(chunk.records);
        await this.#spool.commit(chunk.end);
        delay = this.#retry.minMs;
      } catch (err) {
        this.#noteUnreachable(err);
        // Unref'd: the spool is durable, so a retry never keeps the process alive.
        await sleep(delay, undefined, { signal: this.#stop.signal, ref: false }).catch(() => {});
        delay = Math.min(delay * 2, this.#retry.maxMs);
      }
    }
  }

  #noteUnreachable(err: unknown): void {
    this.#errors++;
    if (this.#unreachable) return;
    this.#unreachable = true;
    this.#log.warn({ sink: this.name, err }, 'PostgreSQL unreachable: audit records go to the spool until it returns');
  }

  async #keepRejected(rejected: RejectedRecord[]): Promise<void> {
    this.#errors += rejected.length;
    for (const { record, error } of rejected) {
      this.#log.error(
        { sink: this.name, eventId: record.eventId, err: error, file: this.#rejectedFile },
        'PostgreSQL refused an audit record; kept in the rejected file',
      );
    }
    await appendJsonLines(
      this.#rejectedFile,
      rejected.map((r) => r.record),
    );
  }
}

/** Opens the sink; never waits for PostgreSQL (a proxy starts while it is down; the spool covers it). */
export async function openPostgresSink(opts: PostgresSinkOptions): Promise<PostgresAuditSink> {
  await fs.mkdir(opts.stateDir, { recursive: true });
  const { spool, tornBytes } = await Spool.open(path.join(opts.stateDir, SPOOL_FILE));
  if (tornBytes > 0) {
    opts.log.warn({ sink: 'postgres', bytes: tornBytes, spool: spool.file }, 'audit spool ended in a partial line (crash mid-write); it was cut off');
  }
  if (spool.backlog > 0) {
    opts.log.info({ sink: 'postgres', spoolBytes: spool.backlog, target: safeUrl(opts.url) }, 'audit spool from an earlier run found: replaying it');
  }
  const sink = new PostgresAuditSink(spool, opts);
  await sink.migrateAtStart();
  return sink;
}
