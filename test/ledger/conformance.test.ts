// One behaviour, three stores: every ledger must pass the same suite.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CapCharge, ChargeWindow, Ledger } from '../../src/ledger/ledger.ts';
import { createMemoryLedger } from '../../src/ledger/memory.ts';
import { openSqliteLedger } from '../../src/ledger/sqlite.ts';
import { connectRedisLedger } from '../../src/ledger/redis.ts';
import { startRedis, type TestRedis } from '../helpers/redis.ts';

const T0 = Date.UTC(2025, 5, 1, 12, 0, 0);
const HOLD_MS = 5 * 60_000;
const DAY: ChargeWindow = { kind: 'rolling', ms: 24 * 3_600_000 };

interface Store {
  open(): Promise<Ledger>;
  /** Close and open again on the same data, as a restarted proxy would. */
  restart?(ledger: Ledger): Promise<Ledger>;
}

/** Every test gets its own credential tag, so tests sharing one store never see each other's usage. */
function keyFor(name: string, tag: string = randomUUID()): string {
  return `{${tag}}:cap:${name}:key`;
}

function charge(key: string, amount: number, limit: number, window: ChargeWindow = DAY): CapCharge {
  return { key, amount, limit, window };
}

function conformance(name: string, store: Store) {
  describe(`${name} ledger`, () => {
    const opened: Ledger[] = [];
    const open = async () => {
      const l = await store.open();
      opened.push(l);
      return l;
    };
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((l) => l.close().catch(() => undefined)));
    });

    it('lets exactly 12 of 200 concurrent $40 reserves through a $500 cap', async () => {
      const ledger = await open();
      const key = keyFor('spend');
      const outcomes = await Promise.all(
        Array.from({ length: 200 }, (_, i) => ledger.reserve({ requestId: `r${i}`, charges: [charge(key, 4000, 50000)], now: T0, holdMs: HOLD_MS })),
      );
      expect(outcomes.filter((o) => o.ok)).toHaveLength(12);
      const refused = outcomes.filter((o) => !o.ok);
      expect(refused).toHaveLength(188);
      expect(refused[0]).toEqual({ ok: false, index: 0, used: 48000, requested: 4000, limit: 50000, reserved: false });
      expect(await ledger.usage([{ key, window: DAY }], T0)).toEqual([48000]);
    });

    it('reserves all charges or none, reporting the first cap exceeded', async () => {
      const ledger = await open();
      const [spend, requests] = [`${keyFor('spend', 'c1')}:${randomUUID()}`, `${keyFor('requests', 'c1')}:${randomUUID()}`];
      await ledger.reserve({ requestId: 'a', charges: [charge(requests, 1, 1)], now: T0, holdMs: HOLD_MS });
      const outcome = await ledger.reserve({
        requestId: 'b',
        charges: [charge(spend, 100, 1000), charge(requests, 1, 1)],
        now: T0,
        holdMs: HOLD_MS,
      });
      expect(outcome).toEqual({ ok: false, index: 1, used: 1, requested: 1, limit: 1, reserved: false });
      expect(
        await ledger.usage(
          [
            { key: spend, window: DAY },
            { key: requests, window: DAY },
          ],
          T0,
        ),
      ).toEqual([0, 1]);
    });

    it('maps a repeated Idempotency-Key to the first reservation and counts it once', async () => {
      const ledger = await open();
      const key = keyFor('spend');
      const first = await ledger.reserve({ requestId: 'r1', idempotencyKey: 'cred idem-1', charges: [charge(key, 4000, 50000)], now: T0, holdMs: HOLD_MS });
      const retry = await ledger.reserve({ requestId: 'r2', idempotencyKey: 'cred idem-1', charges: [charge(key, 4000, 50000)], now: T0 + 1, holdMs: HOLD_MS });
      const fresh = await ledger.reserve({ requestId: 'r3', idempotencyKey: 'cred idem-2', charges: [charge(key, 4000, 50000)], now: T0 + 2, holdMs: HOLD_MS });
      expect(first).toEqual({ ok: true });
      expect(retry).toEqual({ ok: true, duplicateOf: 'r1' });
      expect(fresh).toEqual({ ok: true });
      expect(await ledger.usage([{ key, window: DAY }], T0 + 3)).toEqual([8000]);
    });

    it('counts a retry afresh once the first attempt was released (nothing moved)', async () => {
      const ledger = await open();
      const key = keyFor('spend');
      await ledger.reserve({ requestId: 'r1', idempotencyKey: 'cred k', charges: [charge(key, 4000, 50000)], now: T0, holdMs: HOLD_MS });
      await ledger.settle('r1', { kind: 'release' }, T0 + 1);
      const retry = await ledger.reserve({ requestId: 'r2', idempotencyKey: 'cred k', charges: [charge(key, 4000, 50000)], now: T0 + 2, holdMs: HOLD_MS });
      expect(retry).toEqual({ ok: true });
      expect(await ledger.usage([{ key, window: DAY }], T0 + 3)).toEqual([4000]);
    });

    it('commits the actual amount, and a second settle changes nothing', async () => {
      const ledger = await open();
      const [spend, requests] = [`${keyFor('spend', 'c2')}:${randomUUID()}`, `${keyFor('requests', 'c2')}:${randomUUID()}`];
      const both = [
        { key: spend, window: DAY },
        { key: requests, window: DAY },
      ];
      await ledger.reserve({ requestId: 'r1', charges: [charge(spend, 4000, 50000), charge(requests, 1, 30)], now: T0, holdMs: HOLD_MS });
      await ledger.settle('r1', { kind: 'commit', amounts: [2500, 1] }, T0 + 10);
      expect(await ledger.usage(both, T0 + 20)).toEqual([2500, 1]);
      await ledger.settle('r1', { kind: 'commit', amounts: [9999, 1] }, T0 + 30);
      await ledger.settle('r1', { kind: 'release' }, T0 + 40);
      expect(await ledger.usage(both, T0 + 50)).toEqual([2500, 1]);
    });

    it('release removes the hold; keep leaves it counted and final', async () => {
      const ledger = await open();
      const key = keyFor('spend');
      await ledger.reserve({ requestId: 'released', charges: [charge(key, 4000, 50000)], now: T0, holdMs: HOLD_MS });
      await ledger.reserve({ requestId: 'kept', charges: [charge(key, 3000, 50000)], now: T0, holdMs: HOLD_MS });
      await ledger.settle('released', { kind: 'release' }, T0 + 1);
      await ledger.settle('released', { kind: 'release' }, T0 + 2);
      await ledger.settle('kept', { kind: 'keep' }, T0 + 3);
      await ledger.settle('kept', { kind: 'release' }, T0 + 4);
      expect(await ledger.usage([{ key, window: DAY }], T0 + 5)).toEqual([3000]);
    });

    it('turns a hold never settled within holdMs into a committed charge', async () => {
      const ledger = await open();
      const key = keyFor('spend');
      await ledger.reserve({ requestId: 'late', charges: [charge(key, 4000, 50000)], now: T0, holdMs: HOLD_MS });
      await ledger.settle('late', { kind: 'release' }, T0 + HOLD_MS);
      expect(await ledger.usage([{ key, window: DAY }], T0 + HOLD_MS + 1)).toEqual([4000]);
    });

    it('dry-run reserves past the cap and still reports the cap', async () => {
      const ledger = await open();
      const key = keyFor('spend');
      await ledger.reserve({ requestId: 'r1', charges: [charge(key, 48000, 50000)], now: T0, holdMs: HOLD_MS });
      const outcome = await ledger.reserve({ requestId: 'r2', charges: [charge(key, 4000, 50000)], now: T0, holdMs: HOLD_MS, dryRun: true });
      expect(outcome).toEqual({ ok: false, index: 0, used: 48000, requested: 4000, limit: 50000, reserved: true });
      expect(await ledger.usage([{ key, window: DAY }], T0)).toEqual([52000]);
    });

    it('drops rolling entries exactly when they leave the window', async () => {
      const ledger = await open();
      const key = keyFor('minute');
      const minute: ChargeWindow = { kind: 'rolling', ms: 60_000 };
      const reserve = (id: string, now: number) => ledger.reserve({ requestId: id, charges: [charge(key, 1, 2, minute)], now, holdMs: 1_000 });
      expect((await reserve('a', T0)).ok).toBe(true);
      expect((await reserve('b', T0 + 30_000)).ok).toBe(true);
      expect(await reserve('c', T0 + 59_999)).toMatchObject({ ok: false, used: 2 });
      expect((await reserve('d', T0 + 60_000)).ok).toBe(true); // 'a' has left the window
      expect(await ledger.usage([{ key, window: minute }], T0 + 60_000)).toEqual([2]);
      expect(await ledger.usage([{ key, window: minute }], T0 + 120_000)).toEqual([0]);
    });

    it('adjusts a rolling entry on commit and drops it on time', async () => {
      const ledger = await open();
      const key = keyFor('hour');
      const hour: ChargeWindow = { kind: 'rolling', ms: 3_600_000 };
      await ledger.reserve({ requestId: 'r1', charges: [charge(key, 5000, 50000, hour)], now: T0, holdMs: HOLD_MS });
      await ledger.settle('r1', { kind: 'commit', amounts: [7000] }, T0 + 1_000);
      expect(await ledger.usage([{ key, window: hour }], T0 + 3_599_999)).toEqual([7000]);
      expect(await ledger.usage([{ key, window: hour }], T0 + 3_600_000)).toEqual([0]);
    });

    it('counts a calendar bucket until it ends and starts the next one empty', async () => {
      const ledger = await open();
      const tag = randomUUID();
      const endsAt = T0 + 60_000;
      const today = { key: `${keyFor('day', tag)}:2025-06-01`, window: { kind: 'calendar', endsAt } as ChargeWindow };
      const tomorrow = { key: `${keyFor('day', tag)}:2025-06-02`, window: { kind: 'calendar', endsAt: endsAt + 86_400_000 } as ChargeWindow };
      await ledger.reserve({ requestId: 'r1', charges: [charge(today.key, 40000, 50000, today.window)], now: T0, holdMs: HOLD_MS });
      expect(
        await ledger.reserve({ requestId: 'r2', charges: [charge(today.key, 20000, 50000, today.window)], now: endsAt - 1, holdMs: HOLD_MS }),
      ).toMatchObject({
        ok: false,
        used: 40000,
      });
      expect((await ledger.reserve({ requestId: 'r3', charges: [charge(tomorrow.key, 20000, 50000, tomorrow.window)], now: endsAt, holdMs: HOLD_MS })).ok).toBe(
        true,
      );
      expect(await ledger.usage([today, tomorrow], endsAt)).toEqual([0, 20000]);
    });

    it('counts distinct loop-brake members within the window', async () => {
      const ledger = await open();
      const key = `{${randomUUID()}}:loop:fp`;
      expect(await ledger.countIdentical(key, 'idem-1', 60_000, T0)).toBe(1);
      expect(await ledger.countIdentical(key, 'idem-1', 60_000, T0 + 1_000)).toBe(1); // an SDK retry
      expect(await ledger.countIdentical(key, 'idem-2', 60_000, T0 + 2_000)).toBe(2);
      expect(await ledger.countIdentical(key, 'idem-3', 60_000, T0 + 61_500)).toBe(2); // idem-1 (last seen T0+1s) aged out
    });

    it('refuses amounts that are not whole minor units', async () => {
      const ledger = await open();
      await expect(ledger.reserve({ requestId: 'x', charges: [charge(keyFor('s'), 1.5, 100)], now: T0, holdMs: HOLD_MS })).rejects.toThrow(RangeError);
    });

    const { restart } = store;
    if (restart)
      it('keeps usage and idempotency across a restart', async () => {
        const ledger = await open();
        const key = keyFor('spend');
        await ledger.reserve({ requestId: 'r1', idempotencyKey: 'cred k', charges: [charge(key, 4000, 50000)], now: T0, holdMs: HOLD_MS });
        const again = await restart(ledger);
        opened.push(again);
        expect(await again.usage([{ key, window: DAY }], T0 + 1)).toEqual([4000]);
        expect(await again.reserve({ requestId: 'r2', idempotencyKey: 'cred k', charges: [charge(key, 4000, 50000)], now: T0 + 2, holdMs: HOLD_MS })).toEqual({
          ok: true,
          duplicateOf: 'r1',
        });
      });
  });
}

conformance('memory', { open: async () => createMemoryLedger() });

let sqliteRoot: string;
beforeAll(async () => {
  sqliteRoot = await mkdtemp(join(tmpdir(), 'keybrake-ledger-'));
});
afterAll(async () => {
  await rm(sqliteRoot, { recursive: true, force: true });
});
const sqliteDirs = new WeakMap<Ledger, string>();
const openSqlite = async (dir?: string) => {
  const stateDir = dir ?? (await mkdtemp(join(sqliteRoot, 'state-')));
  const ledger = openSqliteLedger(stateDir);
  sqliteDirs.set(ledger, stateDir);
  return ledger;
};
conformance('sqlite', {
  open: () => openSqlite(),
  restart: async (ledger) => {
    await ledger.close();
    return openSqlite(sqliteDirs.get(ledger));
  },
});

let redis: TestRedis;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.cleanup();
});
const openRedis = async () => {
  const ledger = connectRedisLedger(redis.url);
  await ledger.ready(5_000);
  return ledger;
};
conformance('redis', {
  open: openRedis,
  restart: async (ledger) => {
    await ledger.close();
    return openRedis();
  },
});
