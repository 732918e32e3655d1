// Time and memory bounds per agent connection, each a `keybrake proxy` flag
// (the flags are in commands/limit-flags.ts; the defaults live here, so an
// in-process proxy and the flag table agree). Every deadline closes the
// connection and counts it under keybrake_connections_closed_total{reason};
// the defaults leave a well-behaved SDK untouched and a slowloris nothing to
// hold on to.

export interface ConnectionLimits {
  /** Accept → finished TLS handshake (sniff, CONNECT and the handshake itself). */
  handshakeMs: number;
  /** First byte of a request → its complete header block. */
  headerMs: number;
  /** Start of a request → its complete body (Node's requestTimeout: the whole request). */
  bodyMs: number;
  /** End of a response → the next request on a keep-alive connection. */
  idleMs: number;
  /** Agent connections open at once; more are dropped at accept. */
  maxConnections: number;
  /** Request-body bytes buffered across all connections at once. */
  maxBufferedBytes: number;
  /** How often Node checks the header and body deadlines (derived, not a flag). */
  checkIntervalMs: number;
}

export type LimitBounds = Omit<ConnectionLimits, 'checkIntervalMs'>;

export const DEFAULT_LIMIT_BOUNDS: Readonly<LimitBounds> = {
  handshakeMs: 10_000,
  headerMs: 10_000,
  bodyMs: 30_000,
  idleMs: 30_000,
  maxConnections: 4096,
  maxBufferedBytes: 64 * 1024 * 1024,
};

/** A pair of bounds that contradict each other; `flag` names the one to change. */
export class LimitsError extends Error {
  override readonly name = 'LimitsError';
  readonly flag: string;
  constructor(flag: string, message: string) {
    super(message);
    this.flag = flag;
  }
}

/** Cross-checks the bounds and derives the check interval; a mismatch throws LimitsError naming the flag to change. */
export function checkedLimits(limits: LimitBounds, maxBodyBytes: number): ConnectionLimits {
  if (limits.bodyMs < limits.headerMs) {
    throw new LimitsError(
      '--body-timeout-ms',
      `--body-timeout-ms (${limits.bodyMs}) covers the whole request, headers included: it must be at least --header-timeout-ms (${limits.headerMs})`,
    );
  }
  if (limits.maxBufferedBytes < maxBodyBytes) {
    throw new LimitsError(
      '--max-buffered-bytes',
      `--max-buffered-bytes (${limits.maxBufferedBytes}) must be at least --max-body (${maxBodyBytes}), or no body of the allowed size could ever be read`,
    );
  }
  // Node checks deadlines on an interval: a quarter of the shortest one keeps the overrun small.
  const checkIntervalMs = Math.min(1000, Math.max(10, Math.floor(Math.min(limits.headerMs, limits.bodyMs) / 4)));
  return { ...limits, checkIntervalMs };
}

/** Defaults for in-process callers (the demo, tests): the flag table's defaults. */
export function defaultConnectionLimits(): ConnectionLimits {
  return checkedLimits(DEFAULT_LIMIT_BOUNDS, 1024 * 1024);
}
