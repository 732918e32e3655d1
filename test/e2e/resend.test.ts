// Issue 4 acceptance, Resend: the official resend SDK, configured only with an
// agent key, through a real keybrake proxy process to a loopback fake of
// api.resend.com. resend-node calls the global fetch and takes no agent, so
// the pod's network is the global undici dispatcher: a proxy (what
// NODE_USE_ENV_PROXY=1 with HTTPS_PROXY sets up) or the transparent redirect.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, setGlobalDispatcher } from 'undici';
import { Resend } from 'resend';
import { agentKey } from '../helpers/proxy-harness.ts';
import { resendHandler } from './fakes/resend.ts';
import { dispatcherFor, MODES, type Mode } from './fakes/network.ts';
import { proxiedVendor, type ProxiedVendor } from '../helpers/proxied-vendor.ts';
import { policyFixtureWithKey } from '../fixtures/policies.ts';

const REAL_API_KEY = 're_real_resend_key_never_in_agent';

const resendPolicy = (sha256: string): string => policyFixtureWithKey('resend-notifier.yaml', sha256);

const setUp = () => proxiedVendor({ host: 'api.resend.com', handler: resendHandler, policy: resendPolicy, secrets: { 'resend-live/apiKey': REAL_API_KEY } });

/** Routes this test file's fetch calls through the pod network of `mode` for the enclosing describe block. */
function podNetwork(s: ProxiedVendor, mode: Mode): void {
  beforeAll(() => setGlobalDispatcher(dispatcherFor(mode, s.h.port, s.h.caPem)));
  afterAll(() => setGlobalDispatcher(new Agent()));
}

const email = (to: string | string[], extra: Record<string, unknown> = {}) => ({
  from: 'Shop <orders@example.com>',
  to,
  subject: 'Your order',
  text: 'It shipped.',
  ...extra,
});

describe.each(MODES)('resend SDK, %s mode', (mode) => {
  const s = setUp();
  podNetwork(s, mode);
  const posts = () => s.fake.received.filter((r) => r.method === 'POST');

  it('sends an allowed email with the real key as Bearer, never the agent key', async () => {
    const { data, error } = await new Resend(s.key).emails.send(email(['ann@example.com', 'bob@example.com'], { cc: 'ops@example.com' }));
    expect(error).toBeNull();
    expect(data?.id).toBeTruthy();
    const [arrived] = posts();
    expect(arrived?.path).toBe('/emails');
    expect(arrived?.headers.authorization).toBe(`Bearer ${REAL_API_KEY}`);
    expect(JSON.parse(arrived!.body)).toMatchObject({ to: ['ann@example.com', 'bob@example.com'], cc: 'ops@example.com' });
    for (const r of s.fake.received) expect(JSON.stringify(r)).not.toContain(s.key);
  });

  it('returns a recipient outside the allowed domain as its {error}, and the email never leaves', async () => {
    const before = s.fake.received.length;
    const { data, error } = await new Resend(s.key).emails.send(email('ann@example.com', { bcc: ['Eve <eve@evil.test>'] }));
    expect(data).toBeNull();
    expect(error).toMatchObject({
      statusCode: 403,
      name: 'validation_error',
      message: 'rule customers-on-our-domain: recipient_domains[1] "evil.test" not in [example.com] [keybrake_rule_denied]',
    });
    expect(s.fake.received.length).toBe(before);
  });

  it('sees an outside address hidden in one email of a batch', async () => {
    const before = s.fake.received.length;
    const batch = [email('ann@example.com'), email('bob@example.com', { cc: 'leak@evil.test' })];
    const refused = await new Resend(s.key).batch.send(batch);
    expect(refused.data).toBeNull();
    expect(refused.error?.message).toContain('"evil.test" not in [example.com]');
    expect(s.fake.received.length).toBe(before);

    const sent = await new Resend(s.key).batch.send(batch.slice(0, 1));
    expect(sent.error).toBeNull();
    expect(posts().at(-1)?.path).toBe('/emails/batch');
  });

  it('refuses an unlisted agent key as invalid_api_key', async () => {
    const { error } = await new Resend(agentKey().key).emails.send(email('ann@example.com'));
    expect(error).toMatchObject({ statusCode: 401, name: 'invalid_api_key' });
    expect(error?.message).toMatch(/not listed/);
  });
});

describe('a 100-recipients/day Resend cap', () => {
  const s = setUp();
  podNetwork(s, 'explicit');
  const addresses = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `${prefix}${i}@example.com`);

  it('refuses the send that would cross it, with the numbers; a retry with the same Idempotency-Key is not counted twice', async () => {
    const resend = new Resend(s.key);
    // 30 emails to 2 recipients each: 60 recipients
    const batch = Array.from({ length: 30 }, (_, i) => email(addresses(2, `b${i}-`)));
    expect((await resend.batch.send(batch)).error).toBeNull();
    // the SDK retrying the same send (same key) maps to the first reservation
    const first = email(addresses(30, 'c'));
    expect((await resend.emails.send(first, { idempotencyKey: 'order-42' })).error).toBeNull();
    expect((await resend.emails.send(first, { idempotencyKey: 'order-42' })).error).toBeNull();
    expect(s.fake.received).toHaveLength(3);

    const { data, error } = await resend.emails.send(email(addresses(11, 'd')));
    expect(data).toBeNull();
    expect(error?.statusCode).toBe(402);
    expect(error?.message).toMatch(/^cap day resend recipients: 90 used \+ 11 requested > 100 limit\. /);
    expect(error?.message).toContain('[keybrake_cap_exceeded]');
    expect(s.fake.received).toHaveLength(3);

    expect((await resend.emails.send(email(addresses(10, 'e')))).error).toBeNull(); // exactly up to the cap
  });
});
