// Process-level policy for errors that escaped every handler. A dead sidecar
// is a kill of the whole pod's egress that anyone reaching the listener could
// cause, so the proxy logs and counts such an error and keeps serving. Every
// async entry point is still guarded on its own (see guard()); this is the
// net under the net, and its metric should stay at zero.
import type { Logger } from 'pino';
import type { EscapedKind } from './counters.ts';

export interface ProcessGuard {
  uninstall(): void;
}

export function installProcessGuard(log: Logger, count: (kind: EscapedKind) => void): ProcessGuard {
  const onRejection = (reason: unknown) => {
    count('rejection');
    log.error({ err: describe(reason) }, 'unhandled promise rejection (survived; this is a bug, please report it)');
  };
  const onException = (err: Error) => {
    count('exception');
    log.error({ err: describe(err) }, 'uncaught exception (survived; this is a bug, please report it)');
  };
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return {
    uninstall() {
      process.removeListener('unhandledRejection', onRejection);
      process.removeListener('uncaughtException', onException);
    },
  };
}

/**
 * Runs an async entry point (an event handler that Node will not await) so a
 * rejection is handled where it happens: logged with `what`, then `onError`
 * cleans up (e.g. destroys the socket). Use instead of `void promise`.
 */
export function guard(log: Pick<Logger, 'warn'>, what: string, run: () => Promise<unknown>, onError?: (err: unknown) => void): void {
  let p: Promise<unknown>;
  try {
    p = run();
  } catch (err) {
    p = Promise.reject(err);
  }
  p.catch((err: unknown) => {
    log.warn({ err: describe(err) }, `${what} failed`);
    try {
      onError?.(err);
    } catch {
      // cleanup of a broken connection must not throw again
    }
  });
}

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
