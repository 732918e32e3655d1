import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Stripe from 'stripe';
import { stripePack } from '../../src/vendors/stripe/index.ts';
import { getPack, listPacks, packForHost } from '../../src/vendors/registry.ts';
import { parsedCall, stripeRequest } from './stripe-request.ts';

describe('stripe identify: method + path → operation', () => {
  it('identifies every catalog entry, with its path parameters', () => {
    for (const def of stripePack.operations) {
      const path = def.path.replace(/\{(\w+)\}/g, (_, name: string) => `${name}_123`);
      expect(stripePack.identify(def.method, path), `${def.method} ${path}`).toEqual({
        id: def.id,
        billable: def.billable,
        params: def.path.includes('{id}') ? { id: 'id_123' } : {},
      });
    }
  });

  it('has the money-moving operations of, all billable', () => {
    const billable = new Set(stripePack.operations.filter((o) => o.billable).map((o) => o.id));
    for (const id of [
      'charges.create',
      'charges.capture',
      'refunds.create',
      'payment_intents.create',
      'payment_intents.confirm',
      'payment_intents.capture',
      'payment_intents.increment_authorization',
      'payment_intents.apply_customer_balance',
      'payouts.create',
      'transfers.create',
      'transfers.reversals.create',
      'invoices.pay',
      'subscriptions.create',
      'invoiceitems.create',
      'checkout.sessions.create',
      'payment_links.create',
      'credit_notes.create',
      'topups.create',
      'customers.balance_transactions.create',
      'application_fees.refunds.create',
    ]) {
      expect(billable.has(id), id).toBe(true);
    }
    expect(stripePack.identify('GET', '/v1/charges/ch_1')).toMatchObject({ id: 'charges.retrieve', billable: false });
  });

  it('prefers literal segments over ids: /v1/charges/search is a search, not a charge', () => {
    expect(stripePack.identify('GET', '/v1/charges/search').id).toBe('charges.search');
    expect(stripePack.identify('GET', '/v1/credit_notes/preview').id).toBe('credit_notes.preview');
  });

  it('decodes path parameters', () => {
    expect(stripePack.identify('POST', '/v1/charges/ch%5F1/capture')).toMatchObject({ id: 'charges.capture', params: { id: 'ch_1' } });
  });

  it('gives near-miss paths no operation: never a prefix, never a normalized guess', () => {
    const misses: Array<[string, string]> = [
      ['POST', '/v1/charges/ch_1/capture/extra'],
      ['POST', '/v1/charges/'],
      ['POST', '/v1/charge'],
      ['POST', '/v1/chargesx'],
      ['POST', '/v1/charges/ch_1/capturex'],
      ['POST', '/v1//charges'],
      ['POST', '/v1/charges/ch_1%2Fcapture'],
      ['POST', '/v1/customers/..'],
      ['POST', '/v1/customers/cus_1/../../payouts'],
      ['POST', '/v1/transfers/tr_1/reversals/trr_1'],
      ['PUT', '/v1/charges'],
      ['DELETE', '/v1/charges'],
      ['POST', '/V1/charges'],
      ['POST', 'v1/charges'],
      ['POST', '/v1/charges/%E0%A4%A'],
      ['GET', '/v2/core/events'],
    ];
    for (const [method, path] of misses) {
      expect(stripePack.identify(method, path), `${method} ${path}`).toEqual({ id: '', billable: false, params: {} });
    }
  });
});

describe('stripe parse', () => {
  it('parses a v1 POST form body, charset allowed', () => {
    const req = stripeRequest('POST', '/v1/refunds', 'charge=ch_1&amount=500&metadata[ticket_id]=T1', {
      'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
    });
    expect(stripePack.parse(req, stripePack.identify('POST', '/v1/refunds'))).toEqual({
      ok: true,
      body: { charge: 'ch_1', amount: '500', metadata: { ticket_id: 'T1' } },
    });
  });

  it('parses GET and DELETE parameters from the query string', () => {
    expect(parsedCall('GET', '/v1/charges?customer=cus_A&expand[]=data.customer').body).toEqual({
      customer: 'cus_A',
      expand: ['data.customer'],
    });
    expect(parsedCall('DELETE', '/v1/subscriptions/sub_1?invoice_now=true').body).toEqual({ invoice_now: 'true' });
  });

  it('reads query and body of a POST as one form, so an amount cannot hide in either half', () => {
    expect(parsedCall('POST', '/v1/charges?currency=usd', 'amount=100').body).toEqual({ amount: '100', currency: 'usd' });
    expect(() => parsedCall('POST', '/v1/charges?amount=900000', 'amount=100&currency=usd')).toThrow(/'amount' is given more than once/);
  });

  function refusal(req: ReturnType<typeof stripeRequest>) {
    const r = stripePack.parse(req, stripePack.identify(req.method, req.path));
    if (r.ok) throw new Error('expected a refusal');
    return r.refusal;
  }

  it('refuses two values for a cost field with 400 keybrake_unparseable_body naming it', () => {
    expect(refusal(stripeRequest('POST', '/v1/refunds', 'charge=ch_1&amount=100&amount=100000'))).toMatchObject({
      status: 400,
      code: 'keybrake_unparseable_body',
      param: 'amount',
    });
    expect(refusal(stripeRequest('POST', '/v1/charges', 'amount=1&amount[x]=2&currency=usd')).param).toBe('amount[x]');
  });

  it('refuses a non-form, missing or non-UTF-8 content type on a v1 POST with a body', () => {
    const body = '{"amount":100}';
    const types: Array<Record<string, string>> = [{ 'content-type': 'application/json' }, {}, { 'content-type': 'multipart/form-data; boundary=x' }];
    for (const headers of types) {
      expect(refusal(stripeRequest('POST', '/v1/charges', body, headers))).toMatchObject({ status: 400, code: 'keybrake_unparseable_body' });
    }
    const latin1 = { 'content-type': 'application/x-www-form-urlencoded; charset=iso-8859-1' };
    expect(refusal(stripeRequest('POST', '/v1/charges', 'amount=1', latin1)).message).toMatch(/UTF-8/);
  });

  it('accepts an empty POST body with no content type (capture with no parameters)', () => {
    const req = stripeRequest('POST', '/v1/charges/ch_1/capture', '', {});
    expect(stripePack.parse(req, stripePack.identify(req.method, req.path))).toEqual({ ok: true, body: {} });
  });

  it('refuses compressed bodies and bodies that are not UTF-8', () => {
    const gz = stripeRequest('POST', '/v1/charges', 'x', {
      'content-type': 'application/x-www-form-urlencoded',
      'content-encoding': 'gzip',
    });
    expect(refusal(gz).message).toMatch(/compressed/);
    const bad: ReturnType<typeof stripeRequest> = { ...stripeRequest('POST', '/v1/charges'), body: Buffer.from([0x61, 0x3d, 0xff]) };
    expect(refusal(bad).message).toMatch(/UTF-8/);
  });

  it('parses /v2 bodies as JSON objects and refuses anything else', () => {
    const json = { 'content-type': 'application/json' };
    const ok = stripePack.parse(stripeRequest('POST', '/v2/core/accounts', '{"display_name":"A","amount":{"value":5}}', json), {
      id: '',
      billable: false,
      params: {},
    });
    expect(ok).toEqual({ ok: true, body: { display_name: 'A', amount: { value: 5 } } });
    expect(refusal(stripeRequest('POST', '/v2/core/accounts', '[1]', json)).message).toMatch(/JSON object/);
    expect(refusal(stripeRequest('POST', '/v2/core/accounts', 'a=1'))).toMatchObject({ code: 'keybrake_unparseable_body' });
    expect(refusal(stripeRequest('POST', '/v2/core/accounts?x=1', '{}', json)).message).toMatch(/query/);
  });
});

describe('stripe credentials', () => {
  const basic = (user: string) => `Basic ${Buffer.from(`${user}:`).toString('base64')}`;

  it('reads the agent key from Bearer or from Basic with the key as username', () => {
    expect(stripePack.presentedKey({ authorization: 'Bearer kb_agent_1' })).toEqual({ key: 'kb_agent_1' });
    expect(stripePack.presentedKey({ authorization: 'bearer  kb_agent_1 ' })).toEqual({ key: 'kb_agent_1' });
    expect(stripePack.presentedKey({ authorization: basic('kb_agent_2') })).toEqual({ key: 'kb_agent_2' });
  });

  it('finds no key in a missing, empty or foreign authorization header', () => {
    for (const authorization of [undefined, '', 'Bearer', 'Token kb_x', basic(''), 'Bearer a b']) {
      expect(stripePack.presentedKey(authorization === undefined ? {} : { authorization }), authorization).toBeUndefined();
    }
  });

  it('sends only the real key as Bearer, trimmed, whatever the agent sent', () => {
    const out = stripePack.applyCredential(
      { authorization: basic('kb_agent_2'), 'stripe-version': '2026-07-29.dahlia', 'idempotency-key': 'k1' },
      'sk_test_real\n',
      { path: '/v1/charges', op: stripePack.identify('POST', '/v1/charges'), presented: { key: 'kb_agent_2' } },
    );
    expect(out).toEqual({
      ok: true,
      headers: { authorization: 'Bearer sk_test_real', 'stripe-version': '2026-07-29.dahlia', 'idempotency-key': 'k1' },
    });
  });

  it('refuses to send a malformed secret rather than split a header', () => {
    const r = stripePack.applyCredential({}, 'sk_test_a\r\nx-evil: 1', { path: '/', op: stripePack.identify('GET', '/'), presented: { key: 'k' } });
    expect(r).toMatchObject({ ok: false, refusal: { status: 403 } });
    expect(JSON.stringify(r)).not.toContain('sk_test_a');
  });
});

describe('stripe errors: Stripe-shaped and never retried by stripe-node', () => {
  it('renders the Stripe error shape with Stripe-Should-Retry: false', () => {
    const res = stripePack.errorResponse({ status: 402, code: 'keybrake_cap_exceeded', message: 'cap 24h: $480.00 used', param: 'amount' });
    expect(res.status).toBe(402);
    expect(res.headers).toEqual({ 'content-type': 'application/json', 'stripe-should-retry': 'false' });
    expect(JSON.parse(res.body)).toEqual({
      error: { type: 'invalid_request_error', code: 'keybrake_cap_exceeded', message: 'cap 24h: $480.00 used', param: 'amount' },
    });
  });

  it('maps statuses stripe-node would retry (409, 5xx) to 403 and keeps the others', () => {
    const status = (s: number) => stripePack.errorResponse({ status: s, code: 'keybrake_x', message: 'm' }).status;
    expect([400, 401, 402, 403, 413].map(status)).toEqual([400, 401, 402, 403, 413]);
    expect([409, 500, 503, 200].map(status)).toEqual([403, 403, 403, 403]);
  });

  describe('through the real SDK', () => {
    let server: http.Server;
    let hits = 0;
    let next = stripePack.errorResponse({ status: 409, code: 'keybrake_rule', message: 'rule support-refunds: amount 9000 > max 5000' });
    let stripe: Stripe;

    beforeAll(async () => {
      server = http.createServer((req, res) => {
        hits++;
        req.resume().on('end', () => res.writeHead(next.status, next.headers).end(next.body));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      stripe = new Stripe('kb_agent', { host: '127.0.0.1', port, protocol: 'http', maxNetworkRetries: 2 });
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('stripe-node raises its own error with our code and message, after exactly one request', async () => {
      hits = 0;
      const err = await stripe.refunds.create({ charge: 'ch_1', amount: 9000 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Stripe.errors.StripePermissionError);
      expect(err).toMatchObject({ code: 'keybrake_rule', message: expect.stringContaining('support-refunds') });
      next = stripePack.errorResponse({ status: 402, code: 'keybrake_cap_exceeded', message: 'cap exceeded' });
      const card = await stripe.charges.create({ amount: 100, currency: 'usd' }).catch((e: unknown) => e);
      expect(card).toBeInstanceOf(Stripe.errors.StripeCardError);
      expect(hits).toBe(2);
    });
  });
});

describe('stripe run id, request id, loop fingerprint', () => {
  it('reads metadata[agent_run_id] and the request-id response header', () => {
    expect(stripePack.runIdFromBody!({ metadata: { agent_run_id: 'run-9' } })).toBe('run-9');
    expect(stripePack.runIdFromBody!({ metadata: { agent_run_id: ['x'] } })).toBeUndefined();
    expect(stripePack.runIdFromBody!({})).toBeUndefined();
    expect(stripePack.responseRequestId({ 'request-id': 'req_123' })).toBe('req_123');
  });

  it('treats calls as the same money movement by operation, path ids and cost fields only', () => {
    const fp = (target: string, body: string) => {
      const call = parsedCall('POST', target, body);
      return JSON.stringify(stripePack.loopFingerprint(call.op, call.body));
    };
    const base = fp('/v1/refunds', 'charge=ch_1&amount=500&metadata[note]=a');
    expect(fp('/v1/refunds', 'amount=500&charge=ch_1&metadata[note]=b')).toBe(base);
    expect(fp('/v1/refunds', 'charge=ch_1&amount=501')).not.toBe(base);
    expect(fp('/v1/refunds', 'charge=ch_2&amount=500')).not.toBe(base);
    expect(fp('/v1/charges/ch_1/capture', '')).not.toBe(fp('/v1/charges/ch_2/capture', ''));
  });
});

describe('vendor registry', () => {
  it('finds the Stripe pack by id and by host', () => {
    expect(getPack('stripe')).toBe(stripePack);
    expect(packForHost('API.Stripe.com.')).toBe(stripePack);
    expect(packForHost('evil-stripe.com')).toBeUndefined();
    expect(getPack('nope')).toBeUndefined();
    expect(listPacks()).toContain(stripePack);
  });
});
