// Issue 2 acceptance: the kill switch cuts a call in flight, refuses later
// calls, survives a restart, and only the admin token revives.
import { describe, expect, it } from 'vitest';
import https from 'node:https';
import Stripe from 'stripe';
import { useStripeProxy } from '../helpers/stripe-fixture.ts';
import { stripeViaConnect } from '../helpers/stripe-client.ts';
import { stripePolicy } from './policies.ts';

const ADMIN_TOKEN = 'admin-token-for-tests-0123456789';
const fx = useStripeProxy((sha) => stripePolicy(sha), { secrets: { 'keybrake-admin/token': ADMIN_TOKEN } });
const agent = fx.agent;

describe('kill switch', () => {
  it('closes an in-flight connection and forwards nothing more', async () => {
    fx.fake.hold();
    const before = fx.fake.received.length;
    let closedAt = 0n;
    const inflight = new Promise<void>((resolve) => {
      const req = https.request({
        host: '127.0.0.1', port: fx.h.port, servername: 'api.stripe.com', ca: fx.h.caPem, method: 'GET', path: '/v1/customers',
        headers: { host: 'api.stripe.com', authorization: `Bearer ${agent.key}` },
      });
      req.on('socket', (s) => s.once('close', () => {
        closedAt = process.hrtime.bigint();
        resolve();
      }));
      req.on('error', () => {});
      req.end();
    });
    await fx.fake.waitFor(before + 1);
    await fx.h.admin('/healthz'); // warm the admin client so t0 measures the kill, not fetch's start-up
    const t0 = process.hrtime.bigint();
    const killRes = await fx.h.admin('/kill', { method: 'POST', body: JSON.stringify({ reason: 'runaway refunds loop' }) });
    expect(killRes.status).toBe(200);
    await inflight;
    // The close is the event that matters; how fast it came is measured by `npm run bench` (kill-latency),
    // not asserted here (no wall-clock assertions in tests: a loaded machine would make this flaky).
    const ms = Number(closedAt - t0) / 1e6;
    console.log(`kill → in-flight client connection closed in ${ms.toFixed(2)} ms`);
    fx.fake.release();
    await new Promise((r) => setTimeout(r, 200));
    expect(fx.fake.received.length).toBe(before + 1);
  });

  it('refuses every later call with the reason and the time', async () => {
    const before = fx.fake.received.length;
    const err = await stripeViaConnect(agent.key, fx.h.port, fx.h.caPem).customers.list().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Stripe.errors.StripeError);
    expect(String((err as Error).message)).toMatch(/kill switch is on since \d{4}-\d\d-\d\dT.*runaway refunds loop/);
    expect(fx.fake.received.length).toBe(before);
    const status = await (await fx.h.admin('/status')).json();
    expect(status.killed).toBe(true);
    expect(status.reason).toBe('runaway refunds loop');
  });

  it('comes back killed after a restart', async () => {
    await fx.h.restart();
    const err = await stripeViaConnect(agent.key, fx.h.port, fx.h.caPem).customers.list().catch((e: unknown) => e);
    expect(String((err as Error).message)).toMatch(/runaway refunds loop/);
  });

  it('refuses /revive without the admin token, and revives with it', async () => {
    expect((await fx.h.admin('/revive', { method: 'POST' })).status).toBe(401);
    expect((await fx.h.admin('/revive', { method: 'POST', headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await (await fx.h.admin('/status')).json()).killed).toBe(true);
    const ok = await fx.h.admin('/revive', { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(ok.status).toBe(200);
    const list = await stripeViaConnect(agent.key, fx.h.port, fx.h.caPem).customers.list();
    expect(list.data[0].id).toBe('cus_A');
  });

  it('spec.killed: true in the policy kills too, and /revive cannot undo it', async () => {
    fx.h.writePolicy(stripePolicy(agent.sha256, '', ['  killed: true']));
    const client = stripeViaConnect(agent.key, fx.h.port, fx.h.caPem);
    const deadline = Date.now() + 3000;
    let err: unknown;
    while (Date.now() < deadline) {
      err = await client.customers.list().then(() => undefined, (e: unknown) => e);
      if (err) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(String((err as Error).message)).toMatch(/spec\.killed/);
    const r = await fx.h.admin('/revive', { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(r.status).toBe(409);
    fx.h.writePolicy(stripePolicy(agent.sha256));
  });
});
