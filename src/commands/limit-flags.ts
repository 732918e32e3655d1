// The `keybrake proxy` flags for the connection limits (src/limits/): typed
// like every other flag of the one parser, defaults taken from the limits.
import type { FlagSpec, ParsedFlags } from './flags.ts';
import { UsageError } from './usage.ts';
import { checkedLimits, DEFAULT_LIMIT_BOUNDS, LimitsError, type ConnectionLimits } from '../limits/connection-limits.ts';

const D = DEFAULT_LIMIT_BOUNDS;
const MIB = 1024 * 1024;
// Whole milliseconds and counts (at least 1), a size for bytes.
const MS = { type: 'integer', min: 1, value: 'MS' } as const;
export const LIMIT_FLAGS: FlagSpec[] = [
  {
    name: 'handshake-timeout-ms',
    ...MS,
    env: 'KEYBRAKE_HANDSHAKE_TIMEOUT_MS',
    help: 'close a connection whose TLS handshake (or CONNECT) is not done within this',
    default: String(D.handshakeMs),
  },
  {
    name: 'header-timeout-ms',
    ...MS,
    env: 'KEYBRAKE_HEADER_TIMEOUT_MS',
    help: 'close a connection whose request headers are not complete within this',
    default: String(D.headerMs),
  },
  {
    name: 'body-timeout-ms',
    ...MS,
    env: 'KEYBRAKE_BODY_TIMEOUT_MS',
    help: 'close a connection whose whole request (headers and body) is not in within this; at least --header-timeout-ms',
    default: String(D.bodyMs),
  },
  {
    name: 'idle-timeout-ms',
    ...MS,
    env: 'KEYBRAKE_IDLE_TIMEOUT_MS',
    help: 'close a keep-alive connection idle between requests for this long',
    default: String(D.idleMs),
  },
  {
    name: 'max-connections',
    type: 'integer',
    min: 1,
    value: 'N',
    env: 'KEYBRAKE_MAX_CONNECTIONS',
    help: 'agent connections open at once; more are dropped at accept',
    default: String(D.maxConnections),
  },
  {
    name: 'max-buffered-bytes',
    type: 'size',
    env: 'KEYBRAKE_MAX_BUFFERED_BYTES',
    help: 'request-body bytes buffered across all connections (503 keybrake_busy above); at least --max-body: bytes, or 64MiB, 512MB',
    default: `${D.maxBufferedBytes / MIB}MiB`,
  },
];

/** Reads the (already typed) limit flags and cross-checks them; a mismatch is a UsageError naming the flag to change. */
export function parseConnectionLimits(f: ParsedFlags, maxBodyBytes: number): ConnectionLimits {
  const n = (name: string): number => {
    const v = f.number(name);
    if (v === undefined) throw new Error(`flag --${name} has no value`);
    return v;
  };
  try {
    return checkedLimits(
      {
        handshakeMs: n('handshake-timeout-ms'),
        headerMs: n('header-timeout-ms'),
        bodyMs: n('body-timeout-ms'),
        idleMs: n('idle-timeout-ms'),
        maxConnections: n('max-connections'),
        maxBufferedBytes: n('max-buffered-bytes'),
      },
      maxBodyBytes,
    );
  } catch (err) {
    if (err instanceof LimitsError) throw new UsageError(err.message);
    throw err;
  }
}
