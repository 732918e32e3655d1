// /readyz reflects what a call needs: the ledger (Redis) and each vendor's
// Secret. /status names the failing one; Redis errors name the address.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeVendor, type FakeVendor } from '../helpers/fake-vendor.ts';
import { stripeHandler } from '../helpers/fake-stripe.ts';
import { agentKey, eventually, startHarness, type Harness } from '../helpers/proxy-harness.ts';
import { startRedis, type TestRedis } from '../helpers/redis.ts';
import { SPEND_500, stripeDoc, stripePolicy, REAL_STRIPE_KEY } from '../e2e/policies.ts';
import { stripeViaConnect } from '../helpers/stripe-client.ts';
import { startStripeHarness } from '../helpers/stripe-fixture.ts';

interface Readyz {
  ready: boolean;
  problems: Array<{ check: string; message: string }>;
}

let fake: FakeVendor;
beforeAll(async () => {
  fake = await startFakeVendor(stripeHandler);
});
afterAll(() => fake.close());
const agent = agentKey();

async function readyz(h: Harness): Promise<{ status: number; body: Readyz }> {
  const r = await h.admin('/readyz');
  return { status: r.status, body: (await r.json()) as Readyz };
}

describe('a missing vendor Secret', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      policyYaml: stripePolicy(agent.sha256),
      upstreams: [{ host: 'api.stripe.com', url: fake.url, caPem: fake.caPem }],
      secrets: {}, // stripe-live/apiKey is not there
    });
  });
  afterAll(() => h.cleanup());

  it('makes /readyz 503 and /status name the Secret; writing it makes the proxy ready', async () => {
    const before = await readyz(h);
    expect(before.status).toBe(503);
    expect(before.body.problems).toEqual([expect.objectContaining({ check: 'secret', message: expect.stringContaining('stripe-live/apiKey') })]);
    const status = (await (await h.admin('/status')).json()) as Readyz;
    expect(status.ready).toBe(false);
    expect(status.problems[0]!.message).toContain('support-refunds');
    const file = path.join(h.dir, 'secrets/stripe-live/apiKey');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, REAL_STRIPE_KEY);
    await eventually(async () => expect((await readyz(h)).status).toBe(200), 5000);
  });
});

describe('the Redis ledger going down', () => {
  let redis: TestRedis;
  let h: Harness;
  beforeAll(async () => {
    redis = await startRedis();
    const policy = stripeDoc(agent.sha256, {
      caps: [SPEND_500],
      rules: '        - {name: charges, allow: [charges.create], where: {amount: {max: 5000}}}\n',
    });
    h = await startStripeHarness(fake, policy, { args: ['--ledger', redis.url] });
  });
  afterAll(async () => {
    await h?.cleanup();
    await redis?.cleanup();
  });

  it('makes /readyz 503 naming the Redis address, refuses money-moving calls, and recovers', async () => {
    expect((await readyz(h)).status).toBe(200);
    await redis.stop();
    const down = await eventually(async () => {
      const r = await readyz(h);
      expect(r.status).toBe(503);
      return r.body;
    });
    const address = `redis://127.0.0.1:${redis.port}`;
    expect(down.problems).toEqual([expect.objectContaining({ check: 'ledger', message: expect.stringContaining(address) })]);
    const stripe = stripeViaConnect(agent.key, h.port, h.caPem, { maxNetworkRetries: 0 });
    const refused = await stripe.charges.create({ amount: 100, currency: 'usd', source: 'tok_visa' }).then(
      () => 'forwarded',
      (e: Error) => e.message,
    );
    expect(refused).toContain('ledger');
    const logged = await eventually(() => {
      const line = h.lines.find((l) => l.msg === 'ledger unavailable: refusing a billable call');
      expect(line).toBeDefined();
      return line!;
    });
    const err = logged.err as { message: string };
    expect(err.message).toContain(`redis ledger at ${address} unavailable`);
    expect(err.message).not.toContain("Stream isn't writeable");
    await redis.start();
    await eventually(async () => expect((await readyz(h)).status).toBe(200), 10_000);
  });
});
