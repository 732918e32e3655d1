// SQLite-only behaviour: the check and the increment are one transaction under
// SQLite's write lock, so separate connections to one file cannot overshoot.
import { once } from 'node:events';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LEDGER_FILE, openSqliteLedger } from '../../src/ledger/sqlite.ts';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'keybrake-sqlite-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('sqlite ledger', () => {
  it('never lets two connections take the same last slot', async () => {
    const stateDir = join(root, 'shared');
    await openSqliteLedger(stateDir).close(); // create the schema before the race
    const keys = 300;
    const barrier = new SharedArrayBuffer(8);
    const now = Date.UTC(2025, 0, 1);
    const workers = Array.from(
      { length: 4 },
      (_, worker) =>
        new Worker(new URL('./fixtures/sqlite-reserver.ts', import.meta.url), {
          workerData: { stateDir, worker, workers: 4, keys, barrier, now },
        }),
    );
    const won = await Promise.all(workers.map(async (w) => (await once(w, 'message'))[0] as number));
    expect(won.reduce((a, b) => a + b, 0)).toBe(keys);
    expect(won.filter((n) => n > 0).length).toBeGreaterThan(1); // they really competed
  });

  it('keeps its file in the state directory, creating the directory', async () => {
    const stateDir = join(root, 'nested', 'state');
    const ledger = openSqliteLedger(stateDir);
    await ledger.close();
    expect((await stat(join(stateDir, LEDGER_FILE))).isFile()).toBe(true);
  });
});
