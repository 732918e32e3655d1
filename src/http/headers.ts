// Header hygiene for a proxy: hop-by-hop headers never cross it (RFC 9110 §7.6.1),
// and keybrake's own control headers never reach the vendor.
import type { IncomingHttpHeaders } from 'node:http';

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'http2-settings',
]);

export const RUN_ID_HEADER = 'x-keybrake-run-id';

/** Flatten Node's headers to lowercase name → single string (repeats joined with ", "). */
export function flattenHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** Headers never sent upstream besides the hop-by-hop ones. */
const NOT_UPSTREAM = new Set([
  RUN_ID_HEADER,
  'content-length', // undici frames the buffered body itself
  'expect',
  'accept-encoding', // identity responses keep settle able to read the amount from the body
  'host',
]);

function connectionNamed(connection: string | string[] | undefined): Set<string> | undefined {
  if (!connection) return undefined;
  const list = Array.isArray(connection) ? connection.join(',') : connection;
  return new Set(
    list
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean),
  );
}

/** Remove hop-by-hop headers, including any named by Connection; flattens repeats. One pass. */
export function stripHopByHop(headers: Record<string, string | string[] | undefined>, alsoDrop?: ReadonlySet<string>): Record<string, string> {
  const named = connectionNamed(headers['connection']);
  const out: Record<string, string> = {};
  for (const name in headers) {
    const value = headers[name];
    const lower = name.toLowerCase();
    if (value === undefined || HOP_BY_HOP.has(lower) || named?.has(lower) || alsoDrop?.has(lower)) continue;
    out[lower] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** Headers sent upstream: hop-by-hop, framing and keybrake headers dropped; Host is the vendor host. */
export function upstreamHeaders(headers: Record<string, string>, host: string): Record<string, string> {
  const out = stripHopByHop(headers, NOT_UPSTREAM);
  out['host'] = host;
  return out;
}
