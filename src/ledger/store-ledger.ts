// The reserve/settle algorithm for ledgers whose store answers synchronously
// inside one transaction (memory, SQLite). The store keeps the data; this file
// keeps the rules, so both stores behave the same by construction. Redis runs
// the same rules as Lua (redis-scripts.ts) because there the check and the
// increment must happen inside the server.
import type { ChargeWindow, Ledger, ReserveInput, ReserveOutcome, Settlement } from './ledger.ts';
import { GroupCommit } from './group-commit.ts';

/** How long an Idempotency-Key keeps mapping to its first reservation (Stripe prunes keys after 24 h). */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

/** One charge as held by a reservation. */
export interface HeldCharge {
  key: string;
  amount: number;
  /** Rolling: the entry drops out at this instant. Calendar: the bucket ends. */
  expiresAt: number;
  rolling: boolean;
}

export type ReservationState = 'held' | 'kept' | 'committed' | 'released';

export interface StoredReservation {
  requestId: string;
  /** After this instant the hold counts as committed and settle is a no-op. */
  holdUntil: number;
  state: ReservationState;
  idempotencyKey?: string;
  charges: HeldCharge[];
}

/** Storage primitives; every call happens inside `transaction`. */
export interface LedgerStore {
  transaction<T>(fn: () => T): T;
  /** Inside `transaction`: runs fn so that a throw undoes fn's writes alone. */
  nested<T>(fn: () => T): T;
  /** held + committed for `key` at `now`; drops expired entries and buckets. */
  usage(key: string, now: number): number;
  hold(charge: HeldCharge, requestId: string): void;
  /** Set a live charge to `amount` (0 removes it); an expired one is left alone. */
  adjust(charge: HeldCharge, requestId: string, amount: number, now: number): void;
  reservation(requestId: string): StoredReservation | undefined;
  saveReservation(reservation: StoredReservation, now: number): void;
  idempotent(idempotencyKey: string, now: number): string | undefined;
  remember(idempotencyKey: string, requestId: string, expiresAt: number): void;
  forget(idempotencyKey: string, requestId: string): void;
  countIdentical(key: string, member: string, windowMs: number, now: number): number;
  close(): void | Promise<void>;
}

export function expiryOf(window: ChargeWindow, now: number): number {
  return window.kind === 'rolling' ? now + window.ms : window.endsAt;
}

/** Amounts and limits are non-negative safe integers; anything else is a caller bug, not a charge. */
export function assertAmounts(input: ReserveInput): void {
  for (const c of input.charges) {
    if (!isCount(c.amount) || !isCount(c.limit)) throw new RangeError(`ledger charge ${c.key}: amount and limit must be non-negative safe integers`);
  }
}

export function isCount(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}

/** The first charge that would take its key over the limit (its index and its key's usage), or undefined. `used` has one entry per charge. */
export function firstExceeded(input: ReserveInput, used: readonly number[]): { index: number; used: number } | undefined {
  for (const [index, c] of input.charges.entries()) {
    const u = used[index];
    if (u === undefined) throw new RangeError(`ledger charge ${c.key}: no usage read for it (${used.length} for ${input.charges.length} charges)`);
    if (u + c.amount > c.limit) return { index, used: u };
  }
  return undefined;
}

/** The refusal for charge `index`; an index outside the charges (a store answering nonsense) is an error, not a refusal. */
export function exceededOutcome(input: ReserveInput, index: number, used: number, reserved: boolean): ReserveOutcome {
  const c = input.charges[index];
  if (c === undefined) throw new RangeError(`ledger: exceeded charge index ${index} is outside the ${input.charges.length} charges`);
  return { ok: false, index, used, requested: c.amount, limit: c.limit, reserved };
}

export class StoreLedger implements Ledger {
  readonly name: string;
  private readonly store: LedgerStore;
  /** Set for stores whose commit costs I/O (SQLite): the calls of one event-loop turn share one transaction. */
  private readonly group?: GroupCommit;

  constructor(name: string, store: LedgerStore, opts: { groupCommit?: boolean } = {}) {
    this.name = name;
    this.store = store;
    if (opts.groupCommit) this.group = new GroupCommit(store);
  }

  /** One ledger call, atomic: alone in its own transaction, or in this turn's group transaction. */
  private atomic<T>(fn: () => T): Promise<T> {
    if (this.group) return this.group.submit(fn);
    try {
      return Promise.resolve(this.store.transaction(fn));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  async reserve(input: ReserveInput): Promise<ReserveOutcome> {
    assertAmounts(input);
    const { store } = this;
    return this.atomic((): ReserveOutcome => {
      if (input.charges.length === 0) return { ok: true };
      if (input.idempotencyKey !== undefined) {
        const first = store.idempotent(input.idempotencyKey, input.now);
        if (first !== undefined && first !== input.requestId) return { ok: true, duplicateOf: first };
      }
      if (store.reservation(input.requestId)) return { ok: true }; // already holds: never twice
      const used = input.charges.map((c) => store.usage(c.key, input.now));
      const over = firstExceeded(input, used);
      if (over && !input.dryRun) return exceededOutcome(input, over.index, over.used, false);

      const charges = input.charges.map((c) => ({
        key: c.key,
        amount: c.amount,
        expiresAt: expiryOf(c.window, input.now),
        rolling: c.window.kind === 'rolling',
      }));
      for (const charge of charges) store.hold(charge, input.requestId);
      store.saveReservation(
        {
          requestId: input.requestId,
          holdUntil: input.now + input.holdMs,
          state: 'held',
          idempotencyKey: input.idempotencyKey,
          charges,
        },
        input.now,
      );
      if (input.idempotencyKey !== undefined) store.remember(input.idempotencyKey, input.requestId, input.now + IDEMPOTENCY_TTL_MS);
      return over ? exceededOutcome(input, over.index, over.used, true) : { ok: true };
    });
  }

  async settle(requestId: string, settlement: Settlement, now: number): Promise<void> {
    if (settlement.kind === 'commit' && !settlement.amounts.every(isCount)) {
      throw new RangeError('ledger commit amounts must be non-negative safe integers');
    }
    const { store } = this;
    await this.atomic(() => {
      const r = store.reservation(requestId);
      // First settle wins; a hold past holdUntil has already become committed.
      if (!r || r.state !== 'held' || now >= r.holdUntil) return;
      if (settlement.kind === 'commit' && settlement.amounts.length !== r.charges.length) {
        throw new RangeError(`ledger commit for ${requestId}: ${settlement.amounts.length} amounts for ${r.charges.length} charges`);
      }
      if (settlement.kind === 'keep') {
        store.saveReservation({ ...r, state: 'kept' }, now);
        return;
      }
      r.charges.forEach((charge, i) => {
        const amount = settlement.kind === 'commit' ? settlement.amounts[i] : 0;
        if (amount === undefined) throw new RangeError(`ledger commit for ${requestId}: no amount for charge ${i}`); // lengths were checked above
        store.adjust(charge, requestId, amount, now);
      });
      // A released call moved no money: a retry with the same key must be counted afresh.
      if (settlement.kind === 'release' && r.idempotencyKey !== undefined) store.forget(r.idempotencyKey, requestId);
      store.saveReservation({ ...r, state: settlement.kind === 'commit' ? 'committed' : 'released' }, now);
    });
  }

  async usage(keys: Array<{ key: string; window: ChargeWindow }>, now: number): Promise<number[]> {
    return this.atomic(() => keys.map((k) => this.store.usage(k.key, now)));
  }

  async countIdentical(key: string, member: string, windowMs: number, now: number): Promise<number> {
    return this.atomic(() => this.store.countIdentical(key, member, windowMs, now));
  }

  async close(): Promise<void> {
    this.group?.commit(); // what callers were promised is stored before the file closes
    await this.store.close();
  }
}
