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

/** Remove hop-by-hop headers, including any named by Connection. */
export function stripHopByHop(headers: Record<string, string>): Record<string, string> {
  const named = new Set(
    (headers['connection'] ?? '')
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean),
  );
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (HOP_BY_HOP.has(name) || named.has(name)) continue;
    out[name] = value;
  }
  return out;
}

/** Headers sent upstream: hop-by-hop, framing and keybrake headers dropped; Host is the vendor host. */
export function upstreamHeaders(headers: Record<string, string>, host: string): Record<string, string> {
  const out = stripHopByHop(headers);
  delete out[RUN_ID_HEADER];
  delete out['content-length']; // undici frames the buffered body itself
  delete out['expect'];
  // Identity responses keep the settle step able to read the amount from the response body.
  delete out['accept-encoding'];
  out['host'] = host;
  return out;
}
