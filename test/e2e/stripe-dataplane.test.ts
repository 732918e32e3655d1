// Issue 2 acceptance: the official stripe SDK through a real keybrake proxy
// process, in explicit (CONNECT) and transparent (SNI) mode.
import { describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/wait.ts';
import https from 'node:https';
import tls from 'node:tls';
import zlib from 'node:zlib';
import Stripe from 'stripe';
import { agentKey } from '../helpers/proxy-harness.ts';
import { REAL_STRIPE_KEY, useStripeProxy } from '../helpers/stripe-fixture.ts';
import { stripeTransparent, stripeViaConnect } from '../helpers/stripe-client.ts';
import { stripePolicy } from './policies.ts';

const fx = useStripeProxy((sha) => stripePolicy(sha));
const agent = fx.agent;

const posts = () => fx.fake.received.filter((r) => r.method === 'POST');

/** Raw HTTPS request over a transparent-mode connection (SNI api.stripe.com). */
function raw(opts: { method: string; path: string; headers: Record<string, string>; body?: Buffer }): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        port: fx.h.port,
        servername: 'api.stripe.com',
        ca: fx.h.caPem,
        method: opts.method,
        path: opts.path,
        headers: { host: 'api.stripe.com', authorization: `Bearer ${agent.key}`, ...opts.headers },
      },
      (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

describe.each([
  ['explicit proxy (CONNECT)', () => stripeViaConnect(agent.key, fx.h.port, fx.h.caPem)],
  ['transparent (SNI)', () => stripeTransparent(agent.key, fx.h.port, fx.h.caPem)],
])('stripe SDK in %s mode', (_mode, client) => {
  it('forwards an allowed refund with the real key, never the agent key', async () => {
    const before = posts().length;
    const refund = await client().refunds.create({ charge: 'ch_1', amount: 1200, metadata: { ticket_id: 'T-1' } });
    expect(refund.amount).toBe(1200);
    const arrived = posts().slice(before);
    expect(arrived).toHaveLength(1);
    expect(arrived[0]!.path).toBe('/v1/refunds');
    expect(arrived[0]!.headers.authorization).toBe(`Bearer ${REAL_STRIPE_KEY}`);
    for (const r of fx.fake.received) expect(JSON.stringify(r.headers)).not.toContain(agent.key);
  });

  it('refuses a refund over the rule max before it reaches Stripe, naming the rule, without retries', async () => {
    const before = fx.fake.received.length;
    const auditBefore = fx.h.auditLines().length;
    const err = await client()
      .refunds.create({ charge: 'ch_1', amount: 9000, metadata: { ticket_id: 'T-2' } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Stripe.errors.StripePermissionError);
    expect((err as Stripe.errors.StripeError).message).toContain('partial-refunds-on-tickets');
    expect((err as Stripe.errors.StripeError).message).toMatch(/9000.*5000/);
    expect((err as Stripe.errors.StripeError).code).toBe('keybrake_rule_denied');
    expect(fx.fake.received.length).toBe(before);
    // exactly one call reached the proxy: the SDK did not retry the refusal
    // The SDK's promise settles after any retry, so every line the call left is in by now.
    await waitFor(() => fx.h.auditLines().length > auditBefore, { what: "the refusal's audit line" });
    const denied = fx.h
      .auditLines()
      .slice(auditBefore)
      .filter((l) => l.decision === 'denied');
    expect(denied).toHaveLength(1);
    expect(denied[0]!.rule).toBe('partial-refunds-on-tickets');
  });

  it('refuses a payout as not allowed by any rule', async () => {
    const before = fx.fake.received.length;
    const err = await client()
      .payouts.create({ amount: 100, currency: 'usd' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Stripe.errors.StripePermissionError);
    expect((err as Error).message).toMatch(/payouts\.create.*not allowed/);
    expect(fx.fake.received.length).toBe(before);
  });
});

describe('credentials', () => {
  it('refuses a real vendor key presented by the agent', async () => {
    const before = fx.fake.received.length;
    const err = await stripeViaConnect('sk_live_someone_pasted_the_real_key', fx.h.port, fx.h.caPem)
      .customers.list()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    expect(fx.fake.received.length).toBe(before);
  });

  it('refuses an unlisted agent key', async () => {
    const err = await stripeViaConnect(agentKey().key, fx.h.port, fx.h.caPem)
      .customers.list()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    expect((err as Error).message).toMatch(/not listed/);
  });

  it('audit lines carry no secret and no body', async () => {
    const all = JSON.stringify(fx.h.lines);
    expect(all).not.toContain(REAL_STRIPE_KEY);
    expect(all).not.toContain(agent.key);
    expect(all).not.toContain('ticket_id');
  });
});

describe('request hygiene', () => {
  const form = (s: string) => ({ 'content-type': 'application/x-www-form-urlencoded' as const, body: Buffer.from(s) });

  it('refuses two values for amount', async () => {
    const before = fx.fake.received.length;
    const f = form('charge=ch_1&amount=100&amount=9000&metadata[ticket_id]=T');
    const r = await raw({ method: 'POST', path: '/v1/refunds', headers: { 'content-type': f['content-type'] }, body: f.body });
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body).error.message).toMatch(/amount/);
    expect(fx.fake.received.length).toBe(before);
  });

  it('refuses a body over 1 MiB with 413', async () => {
    const before = fx.fake.received.length;
    const big = form(`charge=ch_1&amount=100&metadata[ticket_id]=T&description=${'x'.repeat(1024 * 1024)}`);
    const r = await raw({ method: 'POST', path: '/v1/refunds', headers: { 'content-type': big['content-type'] }, body: big.body });
    expect(r.status).toBe(413);
    expect(JSON.parse(r.body).error.code).toBe('keybrake_body_too_large');
    expect(fx.fake.received.length).toBe(before);
  });

  it('refuses a gzip body', async () => {
    const before = fx.fake.received.length;
    const r = await raw({
      method: 'POST',
      path: '/v1/refunds',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-encoding': 'gzip' },
      body: zlib.gzipSync('charge=ch_1&amount=100&metadata[ticket_id]=T'),
    });
    expect(r.status).toBe(415);
    expect(JSON.parse(r.body).error.code).toBe('keybrake_compressed_body');
    expect(fx.fake.received.length).toBe(before);
  });

  it('refuses a Host header that differs from the TLS server name', async () => {
    const r = await raw({ method: 'GET', path: '/v1/customers', headers: { host: 'evil.example.com' } });
    expect(r.status).toBe(403);
    expect(JSON.parse(r.body).error.code).toBe('keybrake_host_mismatch');
  });

  it('refuses plain HTTP on the listener', async () => {
    const res = await fetch(`http://127.0.0.1:${fx.h.port}/v1/customers`).catch((e: Error) => e);
    expect(res instanceof Response ? res.status : 0).toBe(400);
  });

  it('resets TLS for a host that is neither governed nor passthrough', async () => {
    const outcome = await new Promise<string>((resolve) => {
      const s = tls.connect({ host: '127.0.0.1', port: fx.h.port, servername: 'api.example.com', ca: fx.h.caPem }, () => resolve('connected'));
      s.on('error', (e) => resolve(`error ${(e as NodeJS.ErrnoException).code}`));
    });
    expect(outcome).toMatch(/^error/);
  });

  it('evaluates every request on a keep-alive connection on its own', async () => {
    const client = stripeTransparent(agent.key, fx.h.port, fx.h.caPem);
    const before = posts().length;
    await client.refunds.create({ charge: 'ch_1', amount: 100, metadata: { ticket_id: 'T-3' } });
    const denied = await client.refunds.create({ charge: 'ch_1', amount: 6000, metadata: { ticket_id: 'T-3' } }).catch((e: unknown) => e);
    await client.refunds.create({ charge: 'ch_1', amount: 200, metadata: { ticket_id: 'T-3' } });
    expect(denied).toBeInstanceOf(Stripe.errors.StripePermissionError);
    expect(posts().length - before).toBe(2);
  });
});
