// In-process ledger for unit tests and single-process experiments. Every call
// runs synchronously inside one turn of the event loop, so it is atomic.
import type { HeldCharge, LedgerStore, StoredReservation } from './store-ledger.ts';
import { StoreLedger } from './store-ledger.ts';

interface Entry {
  amount: number;
  expiresAt: number;
}

/** A rolling key: its entries in arrival order (so in expiry order) and their running total. */
interface Rolling {
  total: number;
  entries: Map<string, Entry>;
}

class MemoryStore implements LedgerStore {
  /** Rolling keys: one entry per reservation, dropped once expired. */
  private readonly rolling = new Map<string, Rolling>();
  /** Calendar buckets: one counter per key until the bucket ends. */
  private readonly buckets = new Map<string, Entry>();
  private readonly reservations = new Map<string, StoredReservation>();
  private readonly idempotency = new Map<string, { requestId: string; expiresAt: number }>();
  private readonly loops = new Map<string, Map<string, number>>();

  transaction<T>(fn: () => T): T {
    return fn();
  }

  nested<T>(fn: () => T): T {
    return fn();
  }

  usage(key: string, now: number): number {
    const bucket = this.buckets.get(key);
    if (bucket && bucket.expiresAt <= now) this.buckets.delete(key);
    else if (bucket) return bucket.amount;
    return this.live(key, now)?.total ?? 0;
  }

  hold(charge: HeldCharge, requestId: string): void {
    if (charge.rolling) {
      const rolling = this.rolling.get(charge.key) ?? { total: 0, entries: new Map<string, Entry>() };
      rolling.entries.set(requestId, { amount: charge.amount, expiresAt: charge.expiresAt });
      rolling.total += charge.amount;
      this.rolling.set(charge.key, rolling);
    } else {
      const bucket = this.buckets.get(charge.key);
      this.buckets.set(charge.key, { amount: (bucket?.amount ?? 0) + charge.amount, expiresAt: charge.expiresAt });
    }
  }

  adjust(charge: HeldCharge, requestId: string, amount: number, now: number): void {
    if (charge.rolling) {
      const rolling = this.live(charge.key, now);
      const entry = rolling?.entries.get(requestId);
      if (!rolling || !entry) return;
      rolling.total += amount - entry.amount;
      if (amount === 0) rolling.entries.delete(requestId);
      else entry.amount = amount;
    } else {
      const bucket = this.buckets.get(charge.key);
      if (bucket && bucket.expiresAt > now) bucket.amount += amount - charge.amount;
    }
  }

  reservation(requestId: string): StoredReservation | undefined {
    return this.reservations.get(requestId);
  }

  saveReservation(reservation: StoredReservation, now: number): void {
    // Past holdUntil a reservation can no longer be settled: forget it (oldest first).
    dropWhile(this.reservations, (r) => r.holdUntil <= now);
    this.reservations.set(reservation.requestId, reservation);
  }

  idempotent(idempotencyKey: string, now: number): string | undefined {
    const found = this.idempotency.get(idempotencyKey);
    if (found && found.expiresAt > now) return found.requestId;
    this.idempotency.delete(idempotencyKey);
    return undefined;
  }

  remember(idempotencyKey: string, requestId: string, expiresAt: number): void {
    this.idempotency.set(idempotencyKey, { requestId, expiresAt });
  }

  forget(idempotencyKey: string, requestId: string): void {
    if (this.idempotency.get(idempotencyKey)?.requestId === requestId) this.idempotency.delete(idempotencyKey);
  }

  countIdentical(key: string, member: string, windowMs: number, now: number): number {
    const members = this.loops.get(key) ?? new Map<string, number>();
    for (const [m, seenAt] of members) if (seenAt <= now - windowMs) members.delete(m);
    members.set(member, now);
    this.loops.set(key, members);
    return members.size;
  }

  close(): void {
    this.rolling.clear();
    this.buckets.clear();
    this.reservations.clear();
    this.idempotency.clear();
    this.loops.clear();
  }

  /**
   * The key's entries after dropping those that left the window. Entries arrive
   * in time order (the clock goes forward) and share the key's window length,
   * so expired ones are at the front: the scan stops at the first live entry.
   */
  private live(key: string, now: number): Rolling | undefined {
    const rolling = this.rolling.get(key);
    if (!rolling) return undefined;
    dropWhile(rolling.entries, (e) => {
      if (e.expiresAt > now) return false;
      rolling.total -= e.amount;
      return true;
    });
    if (rolling.entries.size === 0) this.rolling.delete(key);
    return rolling;
  }
}

/** Drop leading map entries (oldest first) while `stale` holds. */
function dropWhile<V>(map: Map<string, V>, stale: (v: V) => boolean): void {
  for (const [k, v] of map) {
    if (!stale(v)) return;
    map.delete(k);
  }
}

export function createMemoryLedger(): StoreLedger {
  return new StoreLedger('memory', new MemoryStore());
}
