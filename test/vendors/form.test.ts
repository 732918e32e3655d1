import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Stripe from 'stripe';
import { parseForm } from '../../src/vendors/form.ts';

function parsed(text: string, opts?: Parameters<typeof parseForm>[1]): Record<string, unknown> {
  const r = parseForm(text, opts);
  if (!r.ok) throw new Error(`expected ${text} to parse, got: ${r.message}`);
  return r.value;
}

function refused(text: string, opts?: Parameters<typeof parseForm>[1]): { message: string; param?: string } {
  const r = parseForm(text, opts);
  if (r.ok) throw new Error(`expected ${text} to be refused, got ${JSON.stringify(r.value)}`);
  return r;
}

describe('parseForm: the forms real clients send', () => {
  it('reads flat pairs, with + and %20 both as a space', () => {
    expect(parsed('amount=500&currency=usd&description=a+b%20c')).toEqual({ amount: '500', currency: 'usd', description: 'a b c' });
  });

  it('reads nested objects with literal and encoded brackets alike', () => {
    const literal = parsed('metadata[ticket_id]=T-1&a[b][c][d]=2');
    const encoded = parsed('metadata%5Bticket_id%5D=T-1&a%5Bb%5D%5Bc%5D%5Bd%5D=2');
    expect(literal).toEqual({ metadata: { ticket_id: 'T-1' }, a: { b: { c: { d: '2' } } } });
    expect(encoded).toEqual(literal);
  });

  it('reads indexed arrays in index order, whatever the order on the wire', () => {
    expect(parsed('items[1][price]=q&items[0][price]=p&items[0][quantity]=2')).toEqual({
      items: [{ price: 'p', quantity: '2' }, { price: 'q' }],
    });
    expect(parsed('expand[0]=customer&expand[1]=invoice')).toEqual({ expand: ['customer', 'invoice'] });
  });

  it('reads curl-style pushed arrays (expand[]=customer) like indexed ones', () => {
    expect(parsed('expand[]=customer&expand[]=invoice')).toEqual({ expand: ['customer', 'invoice'] });
    expect(parsed('expand%5B%5D=customer')).toEqual({ expand: ['customer'] });
  });

  it('reads an empty value (how Stripe unsets a field) and a bare key as empty strings', () => {
    expect(parsed('metadata[key]=&description')).toEqual({ metadata: { key: '' }, description: '' });
  });

  it('reads stripe-node test examples byte for byte', () => {
    expect(parsed('a[0][b]=c&a[1][b]=d')).toEqual({ a: [{ b: 'c' }, { b: 'd' }] });
    expect(parsed('nested[a%20n%20o%20t%20h%20e%20r]=')).toEqual({ nested: { 'a n o t h e r': '' } });
    expect(parsed('note=%21%2A%28%29%27')).toEqual({ note: "!*()'" });
  });

  it('keeps digit strings with leading zeros as object keys, not array indexes', () => {
    expect(parsed('metadata[007]=bond')).toEqual({ metadata: { '007': 'bond' } });
  });

  it('keeps a key named __proto__ as a plain key, without touching prototypes', () => {
    const value = parsed('__proto__[admin]=1&metadata[constructor]=x');
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(['__proto__', 'metadata']);
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });
});

describe('parseForm: what stripe-node actually sends', () => {
  let server: http.Server;
  let stripe: Stripe;
  const seen: Array<{ method: string; query: string; body: string }> = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://x');
        seen.push({ method: req.method ?? '', query: url.search.slice(1), body: Buffer.concat(chunks).toString() });
        res.writeHead(200, { 'content-type': 'application/json', 'request-id': 'req_1' });
        res.end('{"id":"obj_1","object":"thing"}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    stripe = new Stripe('sk_test_proxy_xyz', { host: '127.0.0.1', port, protocol: 'http', maxNetworkRetries: 0 });
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  async function wire(call: () => Promise<unknown>): Promise<{ method: string; query: string; body: string }> {
    seen.length = 0;
    await call();
    expect(seen).toHaveLength(1);
    return seen[0]!;
  }

  it('a refund with metadata and expand round-trips to the same parameters', async () => {
    const sent = await wire(() =>
      stripe.refunds.create({ charge: 'ch_1', amount: 2500, metadata: { ticket_id: 'T 42', agent_run_id: 'run-7' }, expand: ['charge'] }),
    );
    expect(sent.body).toContain('expand[0]=charge');
    expect(parsed(sent.body)).toEqual({
      charge: 'ch_1',
      amount: '2500',
      metadata: { ticket_id: 'T 42', agent_run_id: 'run-7' },
      expand: ['charge'],
    });
  });

  it('a subscription with price_data lines round-trips, arrays indexed', async () => {
    const sent = await wire(() =>
      stripe.subscriptions.create({
        customer: 'cus_A',
        items: [{ price_data: { currency: 'usd', product: 'prod_1', unit_amount: 1200, recurring: { interval: 'month' } }, quantity: 2 }, { price: 'price_2' }],
      }),
    );
    expect(parsed(sent.body)).toEqual({
      customer: 'cus_A',
      items: [
        { price_data: { currency: 'usd', product: 'prod_1', unit_amount: '1200', recurring: { interval: 'month' } }, quantity: '2' },
        { price: 'price_2' },
      ],
    });
  });

  it('null unsets a field as an empty value, and odd keys survive encoding', async () => {
    const sent = await wire(() => stripe.customers.update('cus_A', { description: null as unknown as string, metadata: { 'a n o t h e r': 'x&y=z' } }));
    expect(parsed(sent.body)).toEqual({ description: '', metadata: { 'a n o t h e r': 'x&y=z' } });
  });

  it('GET list parameters travel in the query string in the same format', async () => {
    const sent = await wire(() => stripe.charges.list({ customer: 'cus_A', limit: 3, expand: ['data.customer'] }));
    expect(sent.method).toBe('GET');
    expect(parsed(sent.query)).toEqual({ customer: 'cus_A', limit: '3', expand: ['data.customer'] });
  });
});

describe('parseForm: ambiguity is refused, not guessed', () => {
  it('refuses a scalar given twice, naming the parameter', () => {
    expect(refused('amount=100&amount=90000')).toMatchObject({ param: 'amount', message: expect.stringContaining('more than once') });
    expect(refused('metadata[a]=1&metadata%5Ba%5D=2').param).toBe('metadata[a]');
    expect(refused('items[0][price]=p&items[0][price]=q').param).toBe('items[0][price]');
  });

  it('never echoes values in refusal messages', () => {
    expect(refused('card=4242424242424242&card=1').message).not.toContain('4242');
  });

  it('refuses a key that is both a scalar and an object, in either order', () => {
    expect(refused('amount=1&amount[x]=2')).toMatchObject({ param: 'amount[x]', message: expect.stringContaining('both') });
    expect(refused('amount[x]=2&amount=1')).toMatchObject({ param: 'amount', message: expect.stringContaining('both') });
  });

  it('refuses mixing list forms, or a list with named keys', () => {
    expect(refused('expand[]=a&expand[0]=b').message).toMatch(/mixes list forms/);
    expect(refused('items[0][price]=p&items[x][price]=q').param).toBe('items[x][price]');
    expect(refused('a[01]=x&a[1]=y').param).toBe('a[1]');
  });

  it('refuses [] before further brackets, which servers group differently', () => {
    expect(refused('items[][price]=p&items[][quantity]=1').message).toMatch(/use indexes like 'items\[0\]/);
  });

  it('refuses invalid percent-encoding and invalid UTF-8', () => {
    expect(refused('amount=%ZZ').param).toBe('amount');
    expect(refused('amount=%E2%82').message).toMatch(/percent-encoding/);
    expect(refused('a%5=1').message).toMatch(/percent-encoding/);
  });

  it('refuses malformed parameter names', () => {
    for (const bad of ['a[b=1', 'a]=1', '[a]=1', 'a[b]c=1', '=1', 'a[b[c]]=1']) {
      expect(parseForm(bad).ok, bad).toBe(false);
    }
  });

  it('refuses more parameters, deeper nesting or larger indexes than the limits', () => {
    const many = Array.from({ length: 11 }, (_, i) => `k${i}=v`).join('&');
    expect(parseForm(many, { maxParams: 11 }).ok).toBe(true);
    expect(refused(many, { maxParams: 10 }).message).toMatch(/11 parameters/);
    expect(refused(Array.from({ length: 2001 }, (_, i) => `k${i}=v`).join('&')).message).toMatch(/limit of 2000/);
    expect(parseForm('a[1][2][3][4][5][6][7][8]=x').ok).toBe(true);
    expect(refused('a[1][2][3][4][5][6][7][8][9]=x').message).toMatch(/9 levels/);
    expect(refused('a[b][c]=x', { maxDepth: 1 }).message).toMatch(/2 levels/);
    expect(refused('a[2000]=x').message).toMatch(/index 2000/);
  });
});

describe('parseForm: keys that are lists by repetition (Twilio MediaUrl)', () => {
  const repeatable = (key: string) => key === 'MediaUrl';

  it('collects repeats of a repeatable key into an array, in order, even when given once', () => {
    expect(parsed('To=%2B1555&MediaUrl=https%3A%2F%2Fa&MediaUrl=https%3A%2F%2Fb', { repeatable })).toEqual({
      To: '+1555',
      MediaUrl: ['https://a', 'https://b'],
    });
    expect(parsed('MediaUrl=x', { repeatable })).toEqual({ MediaUrl: ['x'] });
  });

  it('still refuses repeats of other keys and mixed forms of the repeatable one', () => {
    expect(refused('To=1&To=2', { repeatable }).param).toBe('To');
    expect(refused('MediaUrl=a&MediaUrl[0]=b', { repeatable }).message).toMatch(/mixes list forms/);
  });
});
