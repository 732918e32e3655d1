// Group commit for a store whose every write is a transaction (SQLite): the
// ledger calls made during one turn of the event loop run, in arrival order,
// inside ONE transaction committed at the end of that turn (setImmediate).
// Each call still sees every earlier call's writes, exactly as if they had
// committed one by one, so a cap cannot overshoot; each call's promise settles
// only after the COMMIT, so nothing is forwarded on a reservation that is not
// yet on disk (a restart loses nothing a caller was told about). One COMMIT
// (one WAL append, and the checkpoints that follow from it) is shared by all
// the calls of the turn instead of paid by each.

/** What the group needs from a store: an outer transaction and a nested scope that undoes only its own writes. */
export interface GroupStore {
  transaction<T>(fn: () => T): T;
  /** Runs fn so that a throw rolls back fn's writes alone (a savepoint), and rethrows. */
  nested<T>(fn: () => T): T;
}

interface Pending {
  run: () => unknown;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

export class GroupCommit {
  readonly #store: GroupStore;
  #pending: Pending[] = [];
  #scheduled?: NodeJS.Immediate;

  constructor(store: GroupStore) {
    this.#store = store;
  }

  /** Queues `run` for this turn's transaction; resolves with its result once that transaction has committed. */
  submit<T>(run: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#pending.push({ run, resolve: resolve as (value: unknown) => void, reject });
      this.#scheduled ??= setImmediate(() => this.commit());
    });
  }

  /** Commits what is queued now (also used by close(), so nothing queued is dropped). */
  commit(): void {
    if (this.#scheduled) clearImmediate(this.#scheduled);
    this.#scheduled = undefined;
    const batch = this.#pending;
    this.#pending = [];
    if (batch.length === 0) return;
    // Each outcome carries its call, so settling needs no index into the batch.
    const outcomes: Array<{ op: Pending; ok: true; value: unknown } | { op: Pending; ok: false; err: unknown }> = [];
    try {
      this.#store.transaction(() => {
        for (const op of batch) {
          try {
            outcomes.push({ op, ok: true, value: this.#store.nested(op.run) });
          } catch (err) {
            outcomes.push({ op, ok: false, err });
          }
        }
      });
    } catch (err) {
      // The COMMIT itself failed (disk, lock): nothing of this turn is stored, so every call fails.
      for (const op of batch) op.reject(err);
      return;
    }
    for (const o of outcomes) {
      if (o.ok) o.op.resolve(o.value);
      else o.op.reject(o.err);
    }
  }
}
