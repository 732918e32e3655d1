// Node's deadline checker expires every overdue connection in one synchronous
// loop. A slowloris flood opened together times out together, and answering
// and closing 2,000 TLS connections in one turn blocked the event loop for
// ~300 ms (normal calls' p99 went from 16 to 300 ms in npm run bench -- limits).
// Closing a bounded batch per turn lets the calls in between be served.
export class BatchedCloser {
  readonly #queue: Array<() => void> = [];
  #scheduled = false;

  readonly perTurn: number;

  constructor(perTurn = 64) {
    this.perTurn = perTurn;
  }

  /** Runs `close` in a later turn, at most `perTurn` of them per turn, in order. */
  push(close: () => void): void {
    this.#queue.push(close);
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(this.#run);
  }

  get pending(): number {
    return this.#queue.length;
  }

  readonly #run = (): void => {
    for (const close of this.#queue.splice(0, this.perTurn)) {
      try {
        close();
      } catch {
        // A socket that is already gone: nothing left to close.
      }
    }
    if (this.#queue.length) setImmediate(this.#run);
    else this.#scheduled = false;
  };
}
