// The proxy's logger: JSON lines for `kubectl logs` and log shippers, with
// string levels ("warn", not 40), ISO times, and errors serialized with their
// stack (log `{ err }`, the Error itself, not its message).
import pino, { type DestinationStream, type Logger } from 'pino';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** `worker`: the slot of a `--workers N` worker, carried on every line it writes. */
export function createLogger(level: string, destination?: DestinationStream, worker?: number): Logger {
  return pino(
    {
      level,
      base: worker === undefined ? { svc: 'keybrake' } : { svc: 'keybrake', worker },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
    },
    // Asynchronous stdout: a log line must not block the request path (SQLite/PostgreSQL hold the durable audit).
    destination ?? pino.destination({ sync: false }),
  );
}
