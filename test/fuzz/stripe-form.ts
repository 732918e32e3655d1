// Stripe's form encoding for the fuzz and differential tests: the encoder
// stripe-node uses (objects as parent[child], arrays always indexed, null as an
// empty value, encodeURIComponent plus !*()' escaped, then every %5B/%5D turned
// back into a literal bracket — in values too), and a
// normaliser that turns what `qs` decodes into plain objects and arrays so it
// compares with what keybrake's parser returns.

export function encodeStripeForm(tree: unknown): string {
  const pairs: string[] = [];
  const walk = (value: unknown, key: string): void => {
    if (value === undefined) return;
    if (Array.isArray(value)) return value.forEach((v, i) => walk(v, `${key}[${i}]`));
    if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) walk(v, key ? `${key}[${k}]` : k);
      return;
    }
    pairs.push(`${escape(key)}=${value === null ? '' : escape(String(value))}`);
  };
  walk(tree, '');
  return pairs.join('&').replace(/%5B/g, '[').replace(/%5D/g, ']');
}

function escape(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** qs's null-prototype objects → plain objects (own `__proto__` keys kept as data), arrays kept. */
export function fromQs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(fromQs);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) Object.defineProperty(out, k, { value: fromQs(v), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return value;
}
