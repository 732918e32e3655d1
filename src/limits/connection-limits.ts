// Time and memory bounds per agent connection, each a `keybrake proxy` flag.
// Every deadline closes the connection and counts it under
// keybrake_connections_closed_total{reason}; the defaults leave a well-behaved
// SDK untouched and a slowloris nothing to hold on to.
import type { FlagSpec, ParsedFlags } from '../commands/flags.ts';
import { UsageError } from '../commands/usage.ts';
import { parseSize } from '../commands/values.ts';

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

// Typed like every other flag of the one parser: whole milliseconds and counts (at least 1), a size for bytes.
const MS = { type: 'integer', min: 1, value: 'MS' } as const;
export const LIMIT_FLAGS: FlagSpec[] = [
  { name: 'handshake-timeout-ms', ...MS, env: 'KEYBRAKE_HANDSHAKE_TIMEOUT_MS', help: 'close a connection whose TLS handshake (or CONNECT) is not done within this', default: '10000' },
  { name: 'header-timeout-ms', ...MS, env: 'KEYBRAKE_HEADER_TIMEOUT_MS', help: 'close a connection whose request headers are not complete within this', default: '10000' },
  { name: 'body-timeout-ms', ...MS, env: 'KEYBRAKE_BODY_TIMEOUT_MS', help: 'close a connection whose whole request (headers and body) is not in within this; at least --header-timeout-ms', default: '30000' },
  { name: 'idle-timeout-ms', ...MS, env: 'KEYBRAKE_IDLE_TIMEOUT_MS', help: 'close a keep-alive connection idle between requests for this long', default: '30000' },
  { name: 'max-connections', type: 'integer', min: 1, value: 'N', env: 'KEYBRAKE_MAX_CONNECTIONS', help: 'agent connections open at once; more are dropped at accept', default: '4096' },
  { name: 'max-buffered-bytes', type: 'size', env: 'KEYBRAKE_MAX_BUFFERED_BYTES', help: 'request-body bytes buffered across all connections (503 keybrake_busy above); at least --max-body: bytes, or 64MiB, 512MB', default: '64MiB' },
];

type Bounds = Omit<ConnectionLimits, 'checkIntervalMs'>;

/** Reads the (already typed) limit flags and cross-checks them; a mismatch is a UsageError naming the flag to change. */
export function parseConnectionLimits(f: ParsedFlags, maxBodyBytes: number): ConnectionLimits {
  const n = (name: string): number => {
    const v = f.number(name);
    if (v === undefined) throw new Error(`flag --${name} has no value`);
    return v;
  };
  return checked(
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
}

function checked(limits: Bounds, maxBodyBytes: number): ConnectionLimits {
  if (limits.bodyMs < limits.headerMs) {
    throw new UsageError(`--body-timeout-ms (${limits.bodyMs}) covers the whole request, headers included: it must be at least --header-timeout-ms (${limits.headerMs})`);
  }
  if (limits.maxBufferedBytes < maxBodyBytes) {
    throw new UsageError(`--max-buffered-bytes (${limits.maxBufferedBytes}) must be at least --max-body (${maxBodyBytes}), or no body of the allowed size could ever be read`);
  }
  return withCheckInterval(limits);
}

/** Defaults for in-process callers (the demo, tests): the flag table's defaults. */
export function defaultConnectionLimits(): ConnectionLimits {
  const d = (name: string): string => LIMIT_FLAGS.find((f) => f.name === name)?.default ?? '';
  return checked(
    {
      handshakeMs: Number(d('handshake-timeout-ms')),
      headerMs: Number(d('header-timeout-ms')),
      bodyMs: Number(d('body-timeout-ms')),
      idleMs: Number(d('idle-timeout-ms')),
      maxConnections: Number(d('max-connections')),
      maxBufferedBytes: parseSize(d('max-buffered-bytes')),
    },
    1024 * 1024,
  );
}

function withCheckInterval(l: Omit<ConnectionLimits, 'checkIntervalMs'>): ConnectionLimits {
  // Node checks deadlines on an interval: a quarter of the shortest one keeps the overrun small.
  const checkIntervalMs = Math.min(1000, Math.max(10, Math.floor(Math.min(l.headerMs, l.bodyMs) / 4)));
  return { ...l, checkIntervalMs };
}
