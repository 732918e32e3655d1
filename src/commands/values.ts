// Typed flag values: integers, sizes, durations and HOST:PORT addresses. Each
// parser throws a plain Error that says what it accepts; the flag parser puts
// the flag's name (or environment variable) and the value in front of it.

const SIZE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  kb: 1_000,
  mb: 1_000_000,
  gb: 1_000_000_000,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
};

const SIZE = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i;

/** `1048576`, `1MiB` (binary), `1MB` (decimal), `512KiB`, `64kb` → bytes (a positive whole number). */
export function parseSize(text: string): number {
  const [, digits, unitName] = SIZE.exec(text.trim()) ?? [];
  const unit = unitName === undefined ? undefined : SIZE_UNITS[unitName.toLowerCase()];
  const bytes = digits !== undefined && unit !== undefined ? Number(digits) * unit : NaN;
  if (!Number.isSafeInteger(bytes) || bytes <= 0) {
    throw new Error('is not a size: use bytes (1048576) or a number with a unit: 1MiB, 1MB, 512KiB, 64KB');
  }
  return bytes;
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;

/** `500ms`, `25s`, `1.5s`, `2m`, `1h` → milliseconds; `0` is allowed (no wait). */
export function parseDurationMs(text: string): number {
  const t = text.trim();
  if (t === '0') return 0;
  const [, count, unitName] = DURATION.exec(t) ?? [];
  const unit = unitName === undefined ? undefined : DURATION_UNITS[unitName];
  const ms = count !== undefined && unit !== undefined ? Math.round(Number(count) * unit) : NaN;
  if (!Number.isSafeInteger(ms) || ms < 0) throw new Error('is not a duration: use a number and a unit ms, s, m or h (500ms, 25s, 2m)');
  return ms;
}

/** A whole number within [min, max]. */
export function parseInteger(text: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const n = /^-?\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new Error(`is not a whole number from ${min} to ${max}`);
  return n;
}

export interface HostPort {
  host: string;
  port: number;
}

/** `127.0.0.1:17001`, `:17001` (all interfaces), `[::1]:17001` → host and port (0 = any free port). */
export function parseHostPort(text: string): HostPort {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new Error('is not an address: use HOST:PORT (127.0.0.1:17001, :17001, [::1]:17001)');
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}
