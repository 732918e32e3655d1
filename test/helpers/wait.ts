// The one way tests wait for something to become true: poll `check` until it
// returns a value (not undefined/false) or stops throwing. The timeout is only
// a bound so a broken test fails instead of hanging, never an assertion about
// speed: it is generous, and what a test asserts is the state it waited for.
import { setTimeout as sleep } from 'node:timers/promises';

export interface WaitOptions {
  /** Upper bound before giving up (default 10 s). */
  timeoutMs?: number;
  /** Poll interval (default 20 ms). */
  everyMs?: number;
  /** What is awaited, for the error ("the spool to drain"), or a function that explains the failure. */
  what?: string | (() => string);
}

/** Thrown by a check when waiting longer cannot help (the process exited): waitFor rethrows it at once. */
export class GiveUp extends Error {}

/**
 * Resolves with the first result of `check` that is neither undefined nor
 * false and does not throw. On timeout rejects with the last error, or says
 * what never happened.
 */
export async function waitFor<T>(check: () => T | undefined | false | Promise<T | undefined | false>, opts: WaitOptions = {}): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const end = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
      lastError = undefined;
    } catch (err) {
      if (err instanceof GiveUp) throw err;
      lastError = err;
    }
    if (Date.now() > end) {
      if (lastError !== undefined) throw lastError;
      const what = typeof opts.what === 'function' ? opts.what() : (opts.what ?? 'the condition');
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await sleep(opts.everyMs ?? 20);
  }
}

/**
 * Waits for an assertion to hold: `waitForExpect(() => expect(x).toBe(1))`.
 * The check's own assertion error is what a timeout reports.
 */
export function waitForExpect(check: () => void | Promise<void>, opts: WaitOptions = {}): Promise<true> {
  return waitFor(async () => {
    await check();
    return true as const;
  }, opts);
}

/** `eventually(check)`: retries `check` until it stops throwing and returns its value (waitFor for checks that may return nothing). */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 10_000, everyMs = 20): Promise<T> {
  const box = await waitFor(async () => ({ value: await check() }), { timeoutMs, everyMs });
  return box.value;
}
