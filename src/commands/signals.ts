// SIGTERM / SIGINT: drain, then exit 0. A second signal exits at once (an
// operator pressing Ctrl-C twice, or a kubelet that ran out of patience).
import type { Logger } from 'pino';

export interface Drainable {
  /** Stop accepting, go not-ready, finish in-flight calls, flush audit and ledger. */
  close(): Promise<void>;
}

export function handleSignals(proxy: Drainable, log: Logger): void {
  let draining = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (draining) {
      log.warn({ signal }, 'second signal: exiting now without waiting for the drain');
      log.flush(() => process.exit(1));
      // If the log cannot flush, leave anyway.
      setTimeout(() => process.exit(1), 500).unref();
      return;
    }
    draining = true;
    log.info({ signal }, 'draining: not ready, no new connections; in-flight calls may finish');
    proxy.close().then(
      () => {
        log.info('drained: audit and ledger flushed; exiting');
        log.flush(() => process.exit(0));
      },
      (err: unknown) => {
        log.error({ err }, 'drain failed');
        log.flush(() => process.exit(1));
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
