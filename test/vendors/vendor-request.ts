// Builds the VendorRequest a pack sees, for pack unit tests.
import type { VendorRequest } from '../../src/vendors/pack.ts';

export function vendorRequest(method: string, url: string, opts: { body?: string; type?: string; headers?: Record<string, string> } = {}): VendorRequest {
  const q = url.indexOf('?');
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.body !== undefined) headers['content-type'] = opts.type ?? 'application/json';
  return {
    method,
    path: q < 0 ? url : url.slice(0, q),
    query: q < 0 ? '' : url.slice(q + 1),
    headers,
    body: Buffer.from(opts.body ?? ''),
  };
}

/** A form body as twilio-node encodes it: repeated keys for lists (qs arrayFormat "repeat"). */
export function formBody(fields: Record<string, string | string[]>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(fields)) {
    for (const v of Array.isArray(value) ? value : [value]) params.append(key, v);
  }
  return params.toString();
}

export function basicAuth(username: string, password: string): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` };
}
