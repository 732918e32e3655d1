// The spend ledger interface: atomic reserve-then-settle against caps.
// Implementations: memory.ts (unit tests), sqlite.ts (default), redis.ts (shared).
// All amounts are non-negative safe integers (minor units, or counts).

/** Where a charge's usage expires: rolling windows drop entries older than `ms`; calendar buckets end at `endsAt`. */
export type ChargeWindow = { kind: 'rolling'; ms: number } | { kind: 'calendar'; endsAt: number };

export interface CapCharge {
  /** Ledger key: cap id + scope (credential or run) + calendar bucket. Built by windows.ts. */
  key: string;
  amount: number;
  limit: number;
  window: ChargeWindow;
}

export interface ReserveInput {
  /** Unique per proxied request; settle is keyed by it. */
  requestId: string;
  /** Idempotency-Key already scoped by credential; a repeat maps to the first reservation. */
  idempotencyKey?: string;
  charges: CapCharge[];
  /** Epoch ms from the injectable clock. */
  now: number;
  /** A hold never settled becomes committed after this long (it stays counted). */
  holdMs: number;
  /**
   * enforcement: dryrun — reserve even when a cap would be exceeded (usage
   * stays true to what was forwarded) and still report the first exceeded cap.
   */
  dryRun?: boolean;
}

export type ReserveOutcome =
  | { ok: true; /** set when the idempotency key matched an earlier reservation */ duplicateOf?: string }
  | {
      ok: false;
      /** index into charges of the first cap that would be exceeded */
      index: number;
      used: number;
      requested: number;
      limit: number;
      /** true only with dryRun: the reservation was made anyway */
      reserved: boolean;
    };

export type Settlement = { kind: 'commit'; /** actual amount per charge, same order as reserved */ amounts: number[] } | { kind: 'release' } | { kind: 'keep' };

/** Whether the ledger can answer now; `problem` names the store (its address) and the cause. */
export interface LedgerHealth {
  ok: boolean;
  problem?: string;
}

export interface Ledger {
  readonly name: string;
  /** For /readyz: a store that cannot answer makes every money-moving call fail closed. Absent = always healthy (local stores). */
  health?(): LedgerHealth;
  reserve(input: ReserveInput): Promise<ReserveOutcome>;
  /** Idempotent per requestId: a second settle is a no-op. */
  settle(requestId: string, settlement: Settlement, now: number): Promise<void>;
  /** Current usage per key (held + committed), in the same order. */
  usage(keys: Array<{ key: string; window: ChargeWindow }>, now: number): Promise<number[]>;
  /**
   * Loop brake: record `member` (unique per attempt, e.g. idempotency key or
   * request id) under `key`; return how many distinct members are in the last `windowMs`.
   */
  countIdentical(key: string, member: string, windowMs: number, now: number): Promise<number>;
  close(): Promise<void>;
}

/** Thrown by a ledger whose store is unreachable or erroring: the caller fails closed. */
export class LedgerUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LedgerUnavailableError';
  }
}
