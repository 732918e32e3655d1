// Differential test of the form codec: random parameter trees are encoded by
// the stripe SDK itself (stripe-node's own encoder, captured from a real
// rawRequest through a fetch client that records the body), then decoded by
// keybrake's parser and by `qs` (Stripe's old encoder and a reference bracket
// decoder). Every tree must come back the same from both, and from the other
// spellings real clients send (curl's `x[]=`, encoded brackets, `+` for space).
import { isDeepStrictEqual } from 'node:util';
import qs from 'qs';
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { parseForm } from '../../src/vendors/form.ts';
import { encodeStripeForm, fromQs } from './stripe-form.ts';
import { rng } from './engine.ts';

const CHARS = 'abcXYZ019 _-.~!*()\'"&=+%/?#[]é€😀\u00a0,;:@$';
function text(r: () => number, max = 8): string {
  let out = '';
  const n = Math.floor(r() * max);
  for (let i = 0; i < n; i++) out += [...CHARS][Math.floor(r() * [...CHARS].length)];
  return out;
}

/** Keys as Stripe's API has them: names, never brackets (a key with `[` is not expressible in the bracket dialect). */
function key(r: () => number): string {
  const k = text(r, 6).replace(/[[\]]/g, '');
  return k === '' || /^\d+$/.test(k) ? `k${k}` : k;
}

type Tree = string | Tree[] | { [k: string]: Tree };
function tree(r: () => number, depth: number): Tree {
  const pick = r();
  if (depth >= 3 || pick < 0.4) return text(r);
  if (pick < 0.6) return Array.from({ length: 1 + Math.floor(r() * 3) }, () => (r() < 0.5 ? text(r) : tree(r, depth + 1)));
  const out: Record<string, Tree> = {};
  for (let i = 0; i < 1 + Math.floor(r() * 4); i++) out[key(r)] = tree(r, depth + 1);
  return out;
}

/** What Stripe's encoding can carry: empty lists and objects send nothing. */
function expressible(t: Tree): Tree | undefined {
  if (typeof t === 'string') return t;
  if (Array.isArray(t)) {
    const items = t.map(expressible).filter((x): x is Tree => x !== undefined);
    return items.length ? items : undefined;
  }
  const out: Record<string, Tree> = {};
  for (const [k, v] of Object.entries(t)) {
    const e = expressible(v);
    if (e !== undefined) out[k] = e;
  }
  return Object.keys(out).length ? out : undefined;
}

async function stripeEncodes(params: Record<string, Tree>): Promise<string> {
  let body = '';
  const stripe = new Stripe('sk_test_differential', {
    maxNetworkRetries: 0,
    httpClient: Stripe.createFetchHttpClient(async (_url: unknown, init?: RequestInit) => {
      body = String(init?.body ?? '');
      return new Response('{}', { status: 200, headers: { 'content-type': 'application/json', 'request-id': 'req_1' } });
    }),
  });
  await stripe.rawRequest('POST', '/v1/customers', params);
  return body;
}

const QS = { depth: 8, arrayLimit: 1000, parameterLimit: 2000, allowPrototypes: true, plainObjects: true } as const;

/** Other spellings of the same body: encoded brackets, `+` for `%20`, and `[]` for indexes of scalar lists. */
function respellings(body: string): string[] {
  return [
    body.replace(/\[/g, '%5B').replace(/\]/g, '%5D'),
    body.replace(/%20/g, '+'),
    // curl-style pushes for lists of scalars: a[0]=x&a[1]=y → a[]=x&a[]=y (only where the index is last)
    body.replace(/\[(\d+)\]=/g, '[]='),
  ];
}

describe('Stripe form codec: stripe-node encodes, keybrake and qs decode the same tree', () => {
  it('300 random parameter trees round-trip through the stripe SDK encoder', async () => {
    const r = rng(4242);
    let compared = 0;
    for (let i = 0; i < 300; i++) {
      const params = tree(r, 0);
      if (typeof params === 'string' || Array.isArray(params)) continue;
      const want = expressible(params) ?? {};
      const body = await stripeEncodes(params);
      expect(body).toBe(encodeStripeForm(params)); // our copy of the encoder is stripe-node's
      const ours = parseForm(body);
      expect(ours.ok, `${body}: ${ours.ok ? '' : ours.message}`).toBe(true);
      if (!ours.ok) continue;
      expect(ours.value).toEqual(want);
      expect(isDeepStrictEqual(fromQs(qs.parse(body, QS)), ours.value), `qs differs on ${body}`).toBe(true);
      for (const alt of respellings(body)) {
        const again = parseForm(alt);
        // `[]` pushes are refused where they would be ambiguous (before further brackets): that is a refusal, never a different tree.
        if (again.ok) expect(again.value, alt).toEqual(want);
      }
      compared++;
    }
    expect(compared).toBeGreaterThan(100);
  });
});
