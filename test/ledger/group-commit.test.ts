// Group commit on the SQLite ledger: the calls of one event-loop turn share one
// transaction, yet each behaves as if it had committed alone — no overshoot, a
// failing call undoes only its own writes, and a resolved call is on disk.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteLedger } from '../../src/ledger/sqlite.ts';
import { GroupCommit, type GroupStore } from '../../src/ledger/group-commit.ts';
import type { CapCharge } from '../../src/ledger/ledger.ts';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'keybrake-group-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const NOW = Date.UTC(2025, 0, 1);
const HOLD_MS = 15 * 60_000;
const spend = (amount: number, limit = 50_000): CapCharge => ({ key: 'cred:daily-spend', amount, limit, window: { kind: 'rolling', ms: 86_400_000 } });

describe('group commit', () => {
  it('runs the calls of one turn in one transaction, in order, and settles each after the commit', async () => {
    const log: string[] = [];
    const store: GroupStore = {
      transaction: (fn) => {
        log.push('begin');
        const r = fn();
        log.push('commit');
        return r;
      },
      nested: (fn) => fn(),
    };
    const group = new GroupCommit(store);
    const calls = [1, 2, 3].map((n) => group.submit(() => (log.push(`call ${n}`), n)).then((v) => log.push(`resolved ${v}`)));
    await Promise.all(calls);
    await group.submit(() => log.push('next turn'));
    expect(log).toEqual(['begin', 'call 1', 'call 2', 'call 3', 'commit', 'resolved 1', 'resolved 2', 'resolved 3', 'begin', 'next turn', 'commit']);
  });

  it('fails every call of the turn when the commit fails', async () => {
    const group = new GroupCommit({
      transaction: (fn) => {
        fn();
        throw new Error('disk I/O error');
      },
      nested: (fn) => fn(),
    });
    const results = await Promise.allSettled([group.submit(() => 1), group.submit(() => 2)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });

  it('200 concurrent $40 reserves in one turn against $500: exactly 12 held', async () => {
    const ledger = openSqliteLedger(join(root, 'cap'));
    try {
      const outcomes = await Promise.all(
        Array.from({ length: 200 }, (_, i) => ledger.reserve({ requestId: `r${i}`, charges: [spend(4_000)], now: NOW, holdMs: HOLD_MS })),
      );
      expect(outcomes.filter((o) => o.ok)).toHaveLength(12);
      expect(await ledger.usage([{ key: 'cred:daily-spend', window: { kind: 'rolling', ms: 86_400_000 } }], NOW)).toEqual([48_000]);
    } finally {
      await ledger.close();
    }
  });

  it('a call that throws undoes only its own writes; the others of its turn are stored', async () => {
    const ledger = openSqliteLedger(join(root, 'mixed'));
    try {
      await ledger.reserve({ requestId: 'a', charges: [spend(100)], now: NOW, holdMs: HOLD_MS });
      const [bad, good] = await Promise.allSettled([
        ledger.settle('a', { kind: 'commit', amounts: [100, 5] }, NOW), // two amounts for one charge
        ledger.reserve({ requestId: 'b', charges: [spend(200)], now: NOW, holdMs: HOLD_MS }),
      ]);
      expect(bad.status).toBe('rejected');
      expect((bad as PromiseRejectedResult).reason).toBeInstanceOf(RangeError);
      expect(good).toEqual({ status: 'fulfilled', value: { ok: true } });
      // a is still held (the bad settle changed nothing), so releasing it now works.
      await ledger.settle('a', { kind: 'release' }, NOW);
      expect(await ledger.usage([{ key: 'cred:daily-spend', window: { kind: 'rolling', ms: 86_400_000 } }], NOW)).toEqual([200]);
    } finally {
      await ledger.close();
    }
  });

  it('a resolved reserve is visible to another connection at once, and close stores what was queued', async () => {
    const dir = join(root, 'durable');
    const writer = openSqliteLedger(dir);
    const reader = openSqliteLedger(dir);
    const window = { kind: 'rolling', ms: 86_400_000 } as const;
    try {
      await writer.reserve({ requestId: 'seen', charges: [spend(300)], now: NOW, holdMs: HOLD_MS });
      expect(await reader.usage([{ key: 'cred:daily-spend', window }], NOW)).toEqual([300]);
      const queued = writer.reserve({ requestId: 'queued', charges: [spend(700)], now: NOW, holdMs: HOLD_MS });
      await writer.close(); // before the turn ends: close commits the queue
      expect(await queued).toEqual({ ok: true });
      expect(await reader.usage([{ key: 'cred:daily-spend', window }], NOW)).toEqual([1_000]);
    } finally {
      await reader.close();
    }
  });
});
