// Issue 11, defect 1: a call that passed the kill check and was waiting on the
// Redis reservation used to go upstream after /kill had answered 200, on a
// freshly rebuilt upstream connection. The relay parks the call inside its
// ledger operation; the kill answers; the relay lets Redis answer; the call
// must not reach the vendor — not even after a revive.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type TestRedis } from '../helpers/redis.ts';
import { startTcpRelay, type TcpRelay } from '../helpers/tcp-relay.ts';
import { useStripeProxy } from '../helpers/stripe-fixture.ts';
import { SPEND_500, stripeDoc } from '../e2e/policies.ts';
import { eventually } from '../helpers/proxy-harness.ts';
import { viaProxy } from '../helpers/raw-tls.ts';

const ADMIN_TOKEN = 'admin-token-for-kill-race-0123456789';
let redis: TestRedis;
let relay: TcpRelay;

beforeAll(async () => {
  redis = await startRedis();
  relay = await startTcpRelay(redis.port);
});
afterAll(async () => {
  await relay?.close();
  await redis?.cleanup();
});

const RULES = `        - name: charges
          allow: [charges.create]
          where: {amount: {max: 5000}}
        - name: reads
          allow: [customers.list]
`;
const fx = useStripeProxy((sha) => stripeDoc(sha, { caps: [SPEND_500], rules: RULES }), {
  // The relay's port is known only once beforeAll ran; the getter defers reading it to the proxy's start.
  get args() {
    return ['--ledger', `redis://127.0.0.1:${relay.port}`];
  },
  secrets: { 'keybrake-admin/token': ADMIN_TOKEN },
});

describe('no call is forwarded once /kill has answered', () => {
  it('a call parked on the Redis reservation during the kill is refused, and its hold released', async () => {
    const before = fx.fake.received.length;
    const parked = relay.hold();
    const call = viaProxy(fx.h.port, fx.h.caPem, {
      method: 'POST',
      path: '/v1/charges',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Bearer ${fx.key}` },
      body: 'amount=1200&currency=usd&source=tok_visa',
    }).catch((err: Error) => err);
    await parked; // the call passed the kill check and its ledger command is held
    const kill = await fx.h.admin('/kill', { method: 'POST', body: '{"reason":"race test"}' });
    expect(kill.status).toBe(200);
    relay.release(); // Redis answers: before the fix the call went upstream now
    await call;
    const line = await eventually(() => {
      const hit = fx.h.auditLines().find((a) => a.path === '/v1/charges');
      if (!hit) throw new Error('no audit line for the parked call yet');
      return hit;
    });
    expect(line.decision).toBe('killed');
    expect(fx.fake.received.length).toBe(before);
  });

  it('after a revive the parked-and-refused call left nothing behind and new calls go through', async () => {
    const revive = await fx.h.admin('/revive', { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(revive.status).toBe(200);
    const before = fx.fake.received.length;
    const r = await viaProxy(fx.h.port, fx.h.caPem, { path: '/v1/customers', headers: { authorization: `Bearer ${fx.key}` } });
    expect(r.status).toBe(200);
    expect(fx.fake.received.length).toBe(before + 1);
    // The refused call's hold was released, not kept as spend.
    const status = await (await fx.h.admin('/status')).json();
    expect(status.vendors[0].caps[0].used).toBe(0);
  });
});
