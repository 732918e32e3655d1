// The shared ledger for several proxy replicas: Redis (or Redis Cluster), one
// Lua script per reserve and per settle (redis-scripts.ts).
//
// Cluster: a script may only touch keys of one slot, so every key of one
// reservation carries the credential's hash tag (windows.ts puts it first in
// every charge key). settle() only gets a request id, so this process keeps
// request id → keys until the hold ends; settle always runs in the process that
// forwarded the call, and a process that dies leaves a hold that turns into a
// committed charge — never into nothing.
//
// Failure: no offline queue, no resend, a short command timeout — a call the
// ledger cannot answer fails at once with LedgerUnavailableError (the pipeline
// fails closed), and the client reconnects by itself in the background. A
// reserve that timed out may still run when a stalled Redis wakes up; the call
// was refused, so the hold is undone then (released, or tombstoned if it has
// not run yet) instead of filling the cap with calls that never went out.
import { Redis, type Cluster, type RedisOptions } from 'ioredis';
import type { ChargeWindow, Ledger, LedgerHealth, ReserveInput, ReserveOutcome, Settlement } from './ledger.ts';
import { LedgerUnavailableError } from './ledger.ts';
import { IDEMPOTENCY_TTL_MS, assertAmounts, exceededOutcome, expiryOf, isCount } from './store-ledger.ts';
import { COUNT_IDENTICAL_LUA, RESERVE_LUA, SETTLE_LUA, USAGE_LUA } from './redis-scripts.ts';

/** Keys outlive their last instant of use by this much, so a slow clock on one replica never loses data. */
const TTL_SLACK_MS = 60_000;

export const REDIS_CLIENT_OPTIONS: RedisOptions = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  autoResendUnfulfilledCommands: false,
  commandTimeout: 1_000,
  connectTimeout: 1_000,
  // Keep retrying forever, at most every half second: recovery needs no restart.
  retryStrategy: (attempt: number) => Math.min(50 * attempt, 500),
};

type Reply = Array<string | number>;

interface ScriptCommands {
  kbReserve(...args: Array<string | number>): Promise<Reply>;
  kbSettle(...args: Array<string | number>): Promise<number>;
  kbUsage(...args: Array<string | number>): Promise<number>;
  kbCountIdentical(...args: Array<string | number>): Promise<number>;
}

/** What settle needs to address a reservation: every key it touches, all in one slot. */
interface ReservationKeys {
  keys: string[];
  holdUntil: number;
}

export class RedisLedger implements Ledger {
  readonly name = 'redis';
  private readonly client: Redis | Cluster;
  private readonly scripts: ScriptCommands;
  private readonly pending = new Map<string, ReservationKeys>();
  /** Reserves this process gave up on, by request id, with the `now` they were made at. */
  private readonly abandoned = new Map<string, ReservationKeys & { at: number }>();
  private lastError = '';
  /** `redis://host:port` without credentials: every error names it. */
  readonly address: string;

  constructor(client: Redis | Cluster, address = 'redis') {
    this.client = client;
    this.address = address;
    client.defineCommand('kbReserve', { lua: RESERVE_LUA });
    client.defineCommand('kbSettle', { lua: SETTLE_LUA });
    client.defineCommand('kbUsage', { lua: USAGE_LUA, numberOfKeys: 2, readOnly: true });
    client.defineCommand('kbCountIdentical', { lua: COUNT_IDENTICAL_LUA, numberOfKeys: 1 });
    this.scripts = client as unknown as ScriptCommands;
    // Without a listener ioredis prints every reconnect failure; keep the last for error messages.
    client.on('error', (err: Error) => {
      this.lastError = err.message;
    });
    client.on('ready', () => void this.undoAbandoned());
  }

  /** Resolves once connected, or after `timeoutMs` (calls fail closed until Redis answers). */
  async ready(timeoutMs: number): Promise<boolean> {
    if (this.client.status === 'ready') return true;
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        this.client.off('ready', onReady);
        resolve(ok);
      };
      const onReady = () => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      this.client.once('ready', onReady);
    });
  }

  health(): LedgerHealth {
    if (this.client.status === 'ready') return { ok: true };
    return { ok: false, problem: `redis ledger at ${this.address} is not connected (${this.client.status}${this.lastError ? `: ${this.lastError}` : ''})` };
  }

  async reserve(input: ReserveInput): Promise<ReserveOutcome> {
    assertAmounts(input);
    if (input.charges.length === 0) return { ok: true };
    const tag = sharedTag(input.charges.map((c) => c.key));
    const keys = reservationKeys(
      tag,
      input.requestId,
      input.idempotencyKey,
      input.charges.map((c) => c.key),
    );
    const args: Array<string | number> = [
      input.requestId,
      input.now,
      input.now + input.holdMs,
      input.holdMs + TTL_SLACK_MS,
      input.dryRun ? '1' : '0',
      IDEMPOTENCY_TTL_MS,
      input.idempotencyKey === undefined ? '0' : '1',
      input.charges.length,
    ];
    for (const c of input.charges) {
      const expiresAt = expiryOf(c.window, input.now);
      args.push(c.amount, c.limit, c.window.kind === 'rolling' ? '1' : '0', expiresAt, keyTtl(c.window, input.now));
    }
    // Only a connected client sends the script; otherwise it fails before anything reaches Redis.
    const sent = this.client.status === 'ready';
    let reply: Reply;
    try {
      reply = await this.call(() => this.scripts.kbReserve(keys.length, ...keys, ...args));
    } catch (err) {
      if (sent) this.abandon(input.requestId, { keys, holdUntil: input.now + input.holdMs }, input.now);
      throw err;
    }
    if (reply[0] === 'dup') return { ok: true, duplicateOf: String(reply[1]) };
    if (reply[0] === 'ok' || reply[3] === 1) this.remember(input.requestId, { keys, holdUntil: input.now + input.holdMs }, input.now);
    if (reply[0] === 'ok') return { ok: true };
    return exceededOutcome(input, Number(reply[1]) - 1, Number(reply[2]), reply[3] === 1);
  }

  async settle(requestId: string, settlement: Settlement, now: number): Promise<void> {
    const held = this.pending.get(requestId);
    if (!held) return; // never held here, already settled, or past its hold
    const args: Array<string | number> = [settlement.kind, requestId, now];
    if (settlement.kind === 'commit') {
      if (!settlement.amounts.every(isCount)) throw new RangeError('ledger commit amounts must be non-negative safe integers');
      args.push(...settlement.amounts);
    }
    await this.call(() => this.scripts.kbSettle(held.keys.length, ...held.keys, ...args));
    this.pending.delete(requestId);
  }

  async usage(keys: Array<{ key: string; window: ChargeWindow }>, now: number): Promise<number[]> {
    // One script per key: keys of different credentials live in different slots.
    // A calendar bucket that has ended is empty even before its key expires.
    return this.call(() =>
      Promise.all(keys.map((k) => (k.window.kind === 'calendar' && k.window.endsAt <= now ? 0 : this.scripts.kbUsage(...chargeKeys(k.key), now)))),
    );
  }

  async countIdentical(key: string, member: string, windowMs: number, now: number): Promise<number> {
    return this.call(() => this.scripts.kbCountIdentical(key, member, now, now - windowMs, windowMs + TTL_SLACK_MS));
  }

  async close(): Promise<void> {
    this.pending.clear();
    this.abandoned.clear();
    await this.client.quit().catch(() => this.client.disconnect());
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      // ioredis says "Stream isn't writeable and enableOfflineQueue options is false" when disconnected: say why instead.
      const notConnected = this.client.status !== 'ready';
      const reason = notConnected ? `not connected${this.lastError ? ` (${this.lastError})` : ''}` : (err as Error).message || this.lastError;
      // The cause is kept only when it says something: loggers append it to the message.
      throw new LedgerUnavailableError(`redis ledger at ${this.address} unavailable: ${reason}`, notConnected ? undefined : { cause: err });
    }
  }

  private abandon(requestId: string, held: ReservationKeys, now: number): void {
    for (const [id, r] of this.abandoned) if (r.holdUntil <= now) this.abandoned.delete(id); // stuck that long: not coming back
    this.abandoned.set(requestId, { ...held, at: now });
    void this.undoAbandoned();
  }

  /** Release every abandoned reserve as of when it was made; what fails is tried again on the next abandon or reconnect. */
  private async undoAbandoned(): Promise<void> {
    await Promise.all(
      [...this.abandoned].map(async ([requestId, r]) => {
        const tombstoneTtl = r.holdUntil - r.at + TTL_SLACK_MS;
        try {
          await this.scripts.kbSettle(r.keys.length, ...r.keys, 'release', requestId, r.at, tombstoneTtl);
          this.abandoned.delete(requestId);
        } catch {
          // Still unreachable or stalled; commands on one connection run in order, so a late reserve is undone either way.
        }
      }),
    );
  }

  private remember(requestId: string, held: ReservationKeys, now: number): void {
    // Oldest first: drop reservations whose hold has ended (settle would be a no-op).
    for (const [id, r] of this.pending) {
      if (r.holdUntil > now) break;
      this.pending.delete(id);
    }
    this.pending.set(requestId, held);
  }
}

/** The hash tag every key of one reservation shares; keys of two slots are a caller bug. */
function sharedTag(keys: string[]): string {
  const tags = new Set(keys.map((k) => /\{[^}]+\}/.exec(k)?.[0]));
  const [tag] = tags;
  if (tags.size !== 1 || tag === undefined) throw new RangeError('ledger charge keys must share one hash tag {…}');
  return tag;
}

function chargeKeys(key: string): [used: string, entries: string] {
  return [`${key}:used`, `${key}:entries`];
}

function reservationKeys(tag: string, requestId: string, idempotencyKey: string | undefined, charges: string[]): string[] {
  const idem = idempotencyKey === undefined ? `${tag}:idem-none` : `${tag}:idem:${idempotencyKey}`;
  return [`${tag}:res:${requestId}`, idem, ...charges.flatMap(chargeKeys)];
}

/** How long a charge's keys must live after `now`: to the end of the window or bucket, plus slack. */
function keyTtl(window: ChargeWindow, now: number): number {
  const rest = window.kind === 'rolling' ? window.ms : window.endsAt - now;
  return Math.max(rest, 0) + TTL_SLACK_MS;
}

/** A ledger on the Redis at `url` (`redis://host:port/db`). Does not wait for the connection. */
export function connectRedisLedger(url: string, options: RedisOptions = {}): RedisLedger {
  return new RedisLedger(new Redis(url, { ...REDIS_CLIENT_OPTIONS, ...options }), redisAddress(url));
}

/** The URL without user or password, for messages. */
export function redisAddress(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname.length > 1 ? u.pathname : ''}`;
  } catch {
    return 'redis (unparseable URL)';
  }
}
