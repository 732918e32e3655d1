// Issue 2 acceptance: the kill switch cuts a call in flight, refuses later
// calls, survives a restart, and only the admin token revives. Every test
// starts its own proxy and fake Stripe, so none depends on another's order or
// outcome. How fast the cut is gets measured by `npm run bench`
// (test/bench/kill-latency.ts), never asserted here.
import https from 'node:https';
import { describe, expect, it, onTestFinished } from 'vitest';
import Stripe from 'stripe';
import { startFakeVendor } from '../helpers/fake-vendor.ts';
import { stripeHandler } from '../helpers/fake-stripe.ts';
import { agentKey, type Harness } from '../helpers/proxy-harness.ts';
import { startStripeHarness } from '../helpers/stripe-fixture.ts';
import { stripeViaConnect } from '../helpers/stripe-client.ts';
import { waitFor } from '../helpers/wait.ts';
import { stripePolicy } from './policies.ts';

const ADMIN_TOKEN = 'admin-token-for-tests-0123456789';
const REASON = 'runaway refunds loop';

/** A fresh proxy for one test; `process: true` runs it as a child process (to restart it). */
async function killable(process = false) {
  const fake = await startFakeVendor(stripeHandler);
  const agent = agentKey();
  const h = await startStripeHarness(fake, stripePolicy(agent.sha256), { process, secrets: { 'keybrake-admin/token': ADMIN_TOKEN } });
  onTestFinished(async () => {
    fake.release();
    await h.cleanup();
    await fake.close();
  });
  return { fake, h, agent, stripe: () => stripeViaConnect(agent.key, h.port, h.caPem, { maxNetworkRetries: 0 }) };
}

async function kill(h: Harness): Promise<void> {
  expect((await h.admin('/kill', { method: 'POST', body: JSON.stringify({ reason: REASON }) })).status).toBe(200);
}

const revive = (h: Harness, token?: string) => h.admin('/revive', { method: 'POST', ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}) });
const refusalOf = (call: Promise<unknown>) =>
  call.then(
    () => undefined,
    (e: unknown) => e as Error,
  );

describe('kill switch', () => {
  it('closes an in-flight connection without an answer and forwards nothing more', async () => {
    const { fake, h, agent, stripe } = await killable();
    fake.hold();
    const inflight = new Promise<{ answered: boolean }>((resolve) => {
      const req = https.request({
        host: '127.0.0.1',
        port: h.port,
        servername: 'api.stripe.com',
        ca: h.caPem,
        method: 'GET',
        path: '/v1/customers',
        headers: { host: 'api.stripe.com', authorization: `Bearer ${agent.key}` },
      });
      req.on('response', () => resolve({ answered: true }));
      req.on('socket', (s) => s.once('close', () => resolve({ answered: false })));
      req.on('error', () => {});
      req.end();
    });
    await fake.waitFor(1);
    await kill(h);
    expect(await inflight).toEqual({ answered: false });
    fake.release();
    // A later call is refused at the proxy: the fake still saw only the first.
    expect((await refusalOf(stripe().customers.list()))?.message).toMatch(/kill switch is on/);
    expect(fake.received).toHaveLength(1);
  });

  it('refuses every later call with the reason and the time', async () => {
    const { fake, h, stripe } = await killable();
    await kill(h);
    const err = await refusalOf(stripe().customers.list());
    expect(err).toBeInstanceOf(Stripe.errors.StripeError);
    expect(String(err?.message)).toMatch(/kill switch is on since \d{4}-\d\d-\d\dT.*runaway refunds loop/);
    expect(fake.received).toHaveLength(0);
    const status = await (await h.admin('/status')).json();
    expect(status).toMatchObject({ killed: true, reason: REASON });
  });

  it('comes back killed after a crash and a restart', async () => {
    const { h, stripe } = await killable(true);
    await kill(h);
    await h.restart(); // SIGKILL, then a new process on the same state dir
    expect((await refusalOf(stripe().customers.list()))?.message).toMatch(/runaway refunds loop/);
  });

  it('refuses /revive without the admin token, and revives with it', async () => {
    const { h, stripe } = await killable();
    await kill(h);
    expect((await revive(h)).status).toBe(401);
    expect((await revive(h, 'wrong')).status).toBe(401);
    expect((await (await h.admin('/status')).json()).killed).toBe(true);
    expect((await revive(h, ADMIN_TOKEN)).status).toBe(200);
    const list = await stripe().customers.list();
    expect(list.data[0]?.id).toBe('cus_A');
  });

  it('spec.killed: true in the policy kills too, and /revive cannot undo it', async () => {
    const { h, agent, stripe } = await killable();
    h.writePolicy(stripePolicy(agent.sha256, '', ['  killed: true']));
    const err = await waitFor(() => refusalOf(stripe().customers.list()), { what: 'the reloaded policy to kill' });
    expect(err.message).toMatch(/spec\.killed/);
    expect((await revive(h, ADMIN_TOKEN)).status).toBe(409);
    expect((await refusalOf(stripe().customers.list()))?.message).toMatch(/spec\.killed/);
  });
});
