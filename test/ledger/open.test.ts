// --ledger: which store a spec opens, and a Redis that is not there at startup.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLedger } from '../../src/ledger/open.ts';
import { LedgerUnavailableError } from '../../src/ledger/ledger.ts';
import { LEDGER_FILE } from '../../src/ledger/sqlite.ts';
import { freePort } from '../helpers/daemon.ts';

let stateDir: string;
beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'keybrake-open-'));
});
afterAll(async () => {
  await rm(stateDir, { recursive: true, force: true });
});

describe('openLedger', () => {
  it('defaults to SQLite in the state directory', async () => {
    for (const spec of [undefined, 'sqlite']) {
      const ledger = await openLedger(spec, stateDir);
      expect(ledger.name).toBe('sqlite');
      await ledger.close();
    }
    expect((await stat(join(stateDir, LEDGER_FILE))).isFile()).toBe(true);
  });

  it('opens the memory ledger on request', async () => {
    const ledger = await openLedger('memory', stateDir);
    expect(ledger.name).toBe('memory');
    await ledger.close();
  });

  it('starts without Redis and fails closed until it is there', async () => {
    const port = await freePort(); // nothing listens here
    // Starting does not wait for Redis (a hang would fail on the test's timeout; no clock is read).
    const ledger = await openLedger(`redis://127.0.0.1:${port}`, stateDir);
    expect(ledger.name).toBe('redis');
    const charge = { key: '{c}:cap:x:key', amount: 1, limit: 10, window: { kind: 'rolling' as const, ms: 60_000 } };
    await expect(ledger.reserve({ requestId: 'r', charges: [charge], now: Date.now(), holdMs: 1_000 })).rejects.toBeInstanceOf(LedgerUnavailableError);
    await ledger.close();
  });

  it('refuses a spec it does not know, saying what it accepts', async () => {
    await expect(openLedger('postgres://db', stateDir)).rejects.toThrow(/use sqlite \(the default\), memory, or redis:\/\//);
  });
});
