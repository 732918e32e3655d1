// `--ledger` → a Ledger: SQLite in the state directory by default, `memory`
// for tests, `redis://…` / `rediss://…` for a ledger shared by replicas.
import type { Ledger } from './ledger.ts';
import { createMemoryLedger } from './memory.ts';
import { openSqliteLedger } from './sqlite.ts';

/** How long startup waits for Redis before serving anyway (money-moving calls fail closed meanwhile). */
const REDIS_STARTUP_WAIT_MS = 2_000;

export async function openLedger(spec: string | undefined, stateDir: string): Promise<Ledger> {
  if (spec === undefined || spec === '' || spec === 'sqlite') return openSqliteLedger(stateDir);
  if (spec === 'memory') return createMemoryLedger();
  if (/^rediss?:\/\//.test(spec)) {
    // Loaded on demand: ioredis is not paid for by a proxy that does not use it.
    const { connectRedisLedger } = await import('./redis.ts');
    const ledger = connectRedisLedger(spec);
    await ledger.ready(REDIS_STARTUP_WAIT_MS);
    return ledger;
  }
  // Only the scheme is echoed: a URL may carry a password.
  const kind = JSON.stringify(spec.split(':')[0]);
  throw new Error(`--ledger ${kind} is not a ledger: use sqlite (the default), memory, or redis://host:port`);
}
