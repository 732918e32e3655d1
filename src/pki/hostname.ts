// DNS host names as keybrake accepts them for certificates and name
// constraints: LDH labels only, so an SNI value can never smuggle in a
// wildcard, an IP address, a NUL or an underscore name.

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
/** Last labels that URL parsers read as an IPv4 number (`10.1`, `0x7f`, `017`). */
const NUMERIC_LABEL = /^(?:\d+|0x[0-9a-f]*)$/;
const MAX_NAME = 253;

/**
 * The canonical form of a DNS host name (lowercase, no trailing dot), or
 * undefined when `name` is not one (IP literals, wildcards, empty labels…).
 */
export function normalizeHostname(name: string): string | undefined {
  const host = name.toLowerCase().replace(/\.$/, '');
  if (host.length === 0 || host.length > MAX_NAME) return undefined;
  const labels = host.split('.');
  if (!labels.every((label) => LABEL.test(label))) return undefined;
  const last = labels.at(-1);
  if (last === undefined || NUMERIC_LABEL.test(last)) return undefined;
  return host;
}

/**
 * RFC 5280 §4.2.1.10 dNSName matching: `example.com` covers itself and every
 * subdomain; `.example.com` (the OpenSSL form) covers subdomains only.
 */
export function hostWithin(host: string, subtree: string): boolean {
  const base = subtree.toLowerCase();
  if (base === '') return true; // an empty dNSName subtree covers every name
  if (base.startsWith('.')) return host.endsWith(base);
  return host === base || host.endsWith(`.${base}`);
}
