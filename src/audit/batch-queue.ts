// The bounded in-memory queue between the request path and a store. push()
// only appends (never I/O on the caller's turn); batches are delivered one at
// a time, in order, when a batch fills or after a short timer. A full queue
// refuses the record, counts it and says so in the log: never a silent drop.
import type { Logger } from 'pino';

export interface QueueLimits {
  /** Records held in memory at most, including the batch being delivered. */
  capacity: number;
  batchSize: number;
  /** Longest a record waits for a batch to fill. */
  flushMs: number;
}

export const DEFAULT_QUEUE_LIMITS: QueueLimits = { capacity: 10_000, batchSize: 500, flushMs: 100 };

/** At most one "queue full" line per interval, carrying the running total. */
const DROP_LOG_INTERVAL_MS = 10_000;

export interface BatchQueueOptions<T> {
  name: string;
  limits: QueueLimits;
  log: Logger;
  /** Delivers one batch; the next is not started before it settles. */
  deliver(batch: T[]): Promise<void> | void;
  /** A delivery that threw: the sink counts and logs it. */
  onError(err: unknown, batch: T[]): void;
}

export class BatchQueue<T> {
  readonly #opts: BatchQueueOptions<T>;
  #items: T[] = [];
  #inFlight = 0;
  #dropped = 0;
  #lastDropLog = -Infinity;
  #timer?: NodeJS.Timeout;
  #immediate?: NodeJS.Immediate;
  #draining?: Promise<void>;

  constructor(opts: BatchQueueOptions<T>) {
    this.#opts = opts;
  }

  /** Records held in memory now. */
  get depth(): number {
    return this.#items.length + this.#inFlight;
  }

  /** Records refused because the queue was full, since start. */
  get dropped(): number {
    return this.#dropped;
  }

  /** False when the queue is full and the record was dropped (counted and logged). */
  push(item: T): boolean {
    if (this.depth >= this.#opts.limits.capacity) {
      this.#drop();
      return false;
    }
    this.#items.push(item);
    this.#schedule();
    return true;
  }

  /** Resolves when everything pushed so far has been delivered (or failed). */
  flush(): Promise<void> {
    return this.#drain();
  }

  #schedule(): void {
    // A running drain picks new items up itself.
    if (this.#draining || this.#items.length === 0) return;
    const { batchSize, flushMs } = this.#opts.limits;
    if (this.#items.length >= batchSize) {
      this.#immediate ??= setImmediate(() => void this.#drain());
    } else {
      this.#timer ??= setTimeout(() => void this.#drain(), flushMs).unref();
    }
  }

  #drain(): Promise<void> {
    clearTimeout(this.#timer);
    clearImmediate(this.#immediate);
    this.#timer = undefined;
    this.#immediate = undefined;
    this.#draining ??= this.#deliverAll().finally(() => {
      this.#draining = undefined;
      // Anything pushed between the last batch and this callback.
      this.#schedule();
    });
    return this.#draining;
  }

  async #deliverAll(): Promise<void> {
    while (this.#items.length > 0) {
      const batch = this.#items.splice(0, this.#opts.limits.batchSize);
      this.#inFlight = batch.length;
      try {
        await this.#opts.deliver(batch);
      } catch (err) {
        this.#opts.onError(err, batch);
      } finally {
        this.#inFlight = 0;
      }
    }
  }

  #drop(): void {
    this.#dropped++;
    const now = Date.now();
    if (now - this.#lastDropLog < DROP_LOG_INTERVAL_MS) return;
    this.#lastDropLog = now;
    this.#opts.log.warn(
      { sink: this.#opts.name, dropped: this.#dropped, capacity: this.#opts.limits.capacity },
      'audit queue full: records dropped (see keybrake_audit_dropped_total)',
    );
  }
}
