// In-process ledger for unit tests and single-process experiments. Every call
// runs synchronously inside one turn of the event loop, so it is atomic.
import type { HeldCharge, LedgerStore, StoredReservation } from './store-ledger.ts';
import { StoreLedger } from './store-ledger.ts';

interface Entry {
  amount: number;
  expiresAt: number;
}

class MemoryStore implements LedgerStore {
  /** Rolling keys: one entry per reservation, dropped once expired. */
  private readonly rolling = new Map<string, Map<string, Entry>>();
  /** Calendar buckets: one counter per key until the bucket ends. */
  private readonly buckets = new Map<string, Entry>();
  private readonly reservations = new Map<string, StoredReservation>();
  private readonly idempotency = new Map<string, { requestId: string; expiresAt: number }>();
  private readonly loops = new Map<string, Map<string, number>>();

  transaction<T>(fn: () => T): T {
    return fn();
  }

  usage(key: string, now: number): number {
    const bucket = this.buckets.get(key);
    if (bucket && bucket.expiresAt <= now) this.buckets.delete(key);
    else if (bucket) return bucket.amount;
    const entries = this.liveEntries(key, now);
    let used = 0;
    for (const e of entries?.values() ?? []) used += e.amount;
    return used;
  }

  hold(charge: HeldCharge, requestId: string): void {
    if (charge.rolling) {
      const entries = this.rolling.get(charge.key) ?? new Map<string, Entry>();
      entries.set(requestId, { amount: charge.amount, expiresAt: charge.expiresAt });
      this.rolling.set(charge.key, entries);
    } else {
      const bucket = this.buckets.get(charge.key);
      this.buckets.set(charge.key, { amount: (bucket?.amount ?? 0) + charge.amount, expiresAt: charge.expiresAt });
    }
  }

  adjust(charge: HeldCharge, requestId: string, amount: number, now: number): void {
    if (charge.rolling) {
      const entries = this.liveEntries(charge.key, now);
      const entry = entries?.get(requestId);
      if (!entries || !entry) return;
      if (amount === 0) entries.delete(requestId);
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

  private liveEntries(key: string, now: number): Map<string, Entry> | undefined {
    const entries = this.rolling.get(key);
    if (!entries) return undefined;
    for (const [id, e] of entries) if (e.expiresAt <= now) entries.delete(id);
    if (entries.size === 0) this.rolling.delete(key);
    return entries;
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
