// One budget for request-body bytes buffered across every connection: 64
// slow uploads of 1 MiB each must not be able to hold 64 MiB of the sidecar's
// memory between them. A request takes its declared Content-Length up front
// (or chunk by chunk when chunked) and gives it back when the call ends.
export class BodyBudget {
  readonly limit: number;
  #used = 0;

  constructor(limit: number) {
    this.limit = limit;
  }

  get used(): number {
    return this.#used;
  }

  lease(): BodyLease {
    return new BodyLease(this);
  }

  /** @internal */ take(n: number): boolean {
    if (this.#used + n > this.limit) return false;
    this.#used += n;
    return true;
  }

  /** @internal */ give(n: number): void {
    this.#used -= n;
  }
}

/** What one request holds of the budget. release() is idempotent. */
export class BodyLease {
  readonly #budget: BodyBudget;
  #held = 0;

  constructor(budget: BodyBudget) {
    this.#budget = budget;
  }

  /** Hold at least `total` bytes; false when the shared budget cannot cover it. */
  ensure(total: number): boolean {
    if (total <= this.#held) return true;
    if (!this.#budget.take(total - this.#held)) return false;
    this.#held = total;
    return true;
  }

  release(): void {
    this.#budget.give(this.#held);
    this.#held = 0;
  }
}
