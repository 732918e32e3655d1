// Redis-only behaviour: several replicas on one server, Cluster-safe keys with
// TTLs, and failing closed (fast) while Redis is down, then recovering alone.
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/wait.ts';
import type { CompiledCap } from '../../src/policy/compiled.ts';
import { LedgerUnavailableError, type Ledger, type ReserveInput } from '../../src/ledger/ledger.ts';
import { connectRedisLedger, type RedisLedger } from '../../src/ledger/redis.ts';
import { chargeKey } from '../../src/caps/windows.ts';
import { startRedis, type TestRedis } from '../helpers/redis.ts';

const T0 = Date.now();
const HOLD_MS = 60_000;

const spendCap: CompiledCap = {
  id: 'p/stripe/24h-spend',
  name: '24h stripe spend',
  window: { kind: 'rolling', ms: 86_400_000, label: '24h' },
  limit: { kind: 'spend', amount: 50000, currency: 'usd' },
  per: 'key',
};
const dayCap: CompiledCap = {
  id: 'p/stripe/day-requests',
  name: 'day stripe requests',
  window: { kind: 'calendar', unit: 'day', timeZone: 'Europe/Berlin', label: 'day' },
  limit: { kind: 'requests', count: 1000 },
  per: 'run',
};

let redis: TestRedis;
const ledgers: Ledger[] = [];
async function replica(): Promise<RedisLedger> {
  const ledger = connectRedisLedger(redis.url);
  ledgers.push(ledger);
  expect(await ledger.ready(5_000)).toBe(true);
  return ledger;
}

beforeAll(async () => {
  redis = await startRedis();
});
afterEach(async () => {
  await Promise.all(ledgers.splice(0).map((l) => l.close()));
});
afterAll(async () => {
  await redis?.cleanup();
});

function reserveInput(requestId: string, credential: string, amount = 4000): ReserveInput {
  const scope = { credential, run: 'run-1' };
  const spend = chargeKey(spendCap, scope, T0);
  const day = chargeKey(dayCap, scope, T0);
  return {
    requestId,
    idempotencyKey: `${credential} ${requestId}`,
    charges: [
      { ...spend, amount, limit: 50000 },
      { ...day, amount: 1, limit: 1000 },
    ],
    now: T0,
    holdMs: HOLD_MS,
  };
}

describe('redis ledger', () => {
  it('lets exactly 12 of 200 concurrent $40 reserves through three replicas', async () => {
    const replicas = [await replica(), await replica(), await replica()];
    const outcomes = await Promise.all(Array.from({ length: 200 }, (_, i) => replicas[i % 3]!.reserve(reserveInput(`r${i}`, 'ns/stripe-live/apiKey'))));
    expect(outcomes.filter((o) => o.ok)).toHaveLength(12);
    const { charges } = reserveInput('x', 'ns/stripe-live/apiKey');
    expect(await replicas[0]!.usage(charges, T0)).toEqual([48000, 12]);
  });

  it('keeps every key of a credential in one Cluster slot, each with a TTL', async () => {
    const ledger = await replica();
    await ledger.reserve(reserveInput('slot-1', 'ns/{tricky}/key'));
    await ledger.countIdentical(`{${encodeURIComponent('ns/{tricky}/key')}}:loop:fp`, 'm', 60_000, T0);
    const raw = new Redis(redis.url);
    try {
      const keys = await raw.keys('*tricky*');
      expect(keys.length).toBeGreaterThanOrEqual(6); // reservation, idempotency, 2 × spend, day, loop
      const tags = new Set(keys.map((k) => /\{[^}]+\}/.exec(k)?.[0]));
      expect(tags).toEqual(new Set(['{ns%2F%7Btricky%7D%2Fkey}']));
      for (const key of keys) expect(await raw.pttl(key), key).toBeGreaterThan(0);
    } finally {
      raw.disconnect();
    }
  });

  it('refuses fast while Redis is down and recovers without a new client', async () => {
    const ledger = await replica();
    expect((await ledger.reserve(reserveInput('before', 'outage'))).ok).toBe(true);

    await redis.stop();
    for (const call of [
      () => ledger.reserve(reserveInput('during', 'outage')),
      () => ledger.usage(reserveInput('x', 'outage').charges, T0),
      () => ledger.countIdentical('{outage}:loop:fp', 'm', 60_000, T0),
    ]) {
      await expect(call()).rejects.toBeInstanceOf(LedgerUnavailableError);
    }
    await expect(ledger.settle('before', { kind: 'release' }, T0 + 1)).rejects.toBeInstanceOf(LedgerUnavailableError);

    await redis.start();
    const outcome = await waitFor(() => ledger.reserve(reserveInput('after', 'outage')), { what: 'the ledger to reconnect', everyMs: 100 });
    expect(outcome).toEqual({ ok: true });
  });

  it('times out instead of waiting on a Redis that stopped answering', async () => {
    const ledger = await replica();
    redis.pause();
    try {
      // Rejecting at all (not hanging until the test's guard) is the behaviour; its speed is not asserted here.
      await expect(ledger.reserve(reserveInput('frozen', 'frozen'))).rejects.toBeInstanceOf(LedgerUnavailableError);
    } finally {
      redis.resume();
    }
  });

  it('refuses charge keys that span two hash slots', async () => {
    const ledger = await replica();
    const input = reserveInput('two-slots', 'a');
    input.charges[1] = { ...input.charges[1]!, key: '{b}:cap:x:key' };
    await expect(ledger.reserve(input)).rejects.toThrow(/hash tag/);
  });
});
