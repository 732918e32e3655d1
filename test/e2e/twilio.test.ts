// Issue 4 acceptance, Twilio: the official twilio SDK, configured with its
// Account SID and an agent key, through a real keybrake proxy process to a
// loopback fake of api.twilio.com, in explicit (CONNECT) and transparent mode.
import { describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/wait.ts';
import twilio from 'twilio';
import { agentKey } from '../helpers/proxy-harness.ts';
import { twilioHandler } from './fakes/twilio.ts';
import { proxiedVendor, type ProxiedVendor } from '../helpers/proxied-vendor.ts';
import { httpsAgentFor, MODES, type Mode } from './fakes/network.ts';
import { policyFixtureWithKey } from '../fixtures/policies.ts';

const ACCOUNT_SID = `AC${'1'.repeat(32)}`;
const SUBACCOUNT_SID = `AC${'2'.repeat(32)}`;
const REAL_AUTH_TOKEN = 'real_twilio_auth_token_never_in_agent';
const REAL_BASIC = `Basic ${Buffer.from(`${ACCOUNT_SID}:${REAL_AUTH_TOKEN}`).toString('base64')}`;

const twilioPolicy = (sha256: string): string => policyFixtureWithKey('twilio-notifier.yaml', sha256);

/** A fake api.twilio.com behind its own keybrake proxy, per describe block. */
const setUp = () =>
  proxiedVendor({
    host: 'api.twilio.com',
    handler: twilioHandler,
    policy: twilioPolicy,
    secrets: { 'twilio-live/credential': `${ACCOUNT_SID}:${REAL_AUTH_TOKEN}` },
  });

/**
 * twilio-node as an agent configures it: Account SID (or API key SID) and the
 * keybrake key in place of the auth token. Its RequestClient keeps its axios
 * instance public; the agent only swaps in the pod's https agent. autoRetry is
 * on, as an agent would turn it on, so a refusal that invited retries would show.
 */
function client(s: ProxiedVendor, mode: Mode, username = ACCOUNT_SID, opts: { accountSid?: string } = {}): twilio.Twilio {
  const httpClient = new twilio.RequestClient({ autoRetry: true });
  httpClient.axios.defaults.httpsAgent = httpsAgentFor(mode, s.h.port, s.h.caPem);
  return twilio(username, s.key, { httpClient, ...opts });
}

async function refusal(call: Promise<unknown>): Promise<InstanceType<typeof twilio.RestException>> {
  const err = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(twilio.RestException);
  return err as InstanceType<typeof twilio.RestException>;
}

describe.each(MODES)('twilio SDK, %s mode', (mode) => {
  const s = setUp();
  const posts = () => s.fake.received.filter((r) => r.method === 'POST');

  it('sends an allowed SMS with the real auth token, never the agent key', async () => {
    const message = await client(s, mode).messages.create({
      to: '+15558675310',
      from: '+15005550006',
      body: 'Your order shipped',
      mediaUrl: ['https://cdn.example.com/a.png', 'https://cdn.example.com/b.png'],
    });
    expect(message.sid).toMatch(/^SM/);
    const [arrived] = posts();
    expect(arrived?.path).toBe(`/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`);
    expect(arrived?.headers.authorization).toBe(REAL_BASIC);
    expect(new URLSearchParams(arrived?.body).getAll('MediaUrl')).toEqual(['https://cdn.example.com/a.png', 'https://cdn.example.com/b.png']);
    for (const r of s.fake.received) expect(JSON.stringify(r)).not.toContain(s.key);
  });

  it('refuses an SMS to a country outside the To rule as a RestException, before it reaches Twilio', async () => {
    const before = s.fake.received.length;
    const auditBefore = s.h.auditLines().length;
    const err = await refusal(client(s, mode).messages.create({ to: '+33612345678', from: '+15005550006', body: 'Bonjour' }));
    expect(err.status).toBe(403);
    expect(err.code).toBe(20403);
    expect(err.message).toBe('rule sms-to-us-and-uk: To "+33612345678" does not match /^\\+(1|44)[0-9]+$/ [keybrake_rule_denied]');
    expect(s.fake.received.length).toBe(before);
    // one call reached the proxy: the SDK did not retry the refusal
    // The SDK's promise settles after any retry, so every line the call left is in by now.
    await waitFor(() => s.h.auditLines().length > auditBefore, { what: "the refusal's audit line" });
    expect(
      s.h
        .auditLines()
        .slice(auditBefore)
        .filter((l) => l.decision === 'denied'),
    ).toHaveLength(1);
  });

  it('refuses a call longer than the rule allows, and one the policy does not allow at all', async () => {
    const before = s.fake.received.length;
    const long = await refusal(client(s, mode).calls.create({ to: '+15558675310', from: '+15005550006', url: 'https://example.com/twiml', timeLimit: 3600 }));
    expect(long.message).toContain('rule short-calls: TimeLimit 3600 > max 300');
    const purchase = await refusal(client(s, mode).incomingPhoneNumbers.create({ phoneNumber: '+15005550006' }));
    expect(purchase.message).toMatch(/incoming_phone_numbers\.create.*not allowed/);
    expect(s.fake.received.length).toBe(before);
  });

  it('places a short call with the real credential', async () => {
    const call = await client(s, mode).calls.create({ to: '+15558675310', from: '+15005550006', url: 'https://example.com/twiml', timeLimit: 120 });
    expect(call.sid).toMatch(/^CA/);
    expect(posts().at(-1)?.headers.authorization).toBe(REAL_BASIC);
  });

  it('refuses a path naming another account (a subaccount the real token could reach)', async () => {
    const before = s.fake.received.length;
    const err = await refusal(client(s, mode).api.v2010.accounts(SUBACCOUNT_SID).messages.create({ to: '+15558675310', from: '+15005550006', body: 'hi' }));
    expect(err.status).toBe(403);
    expect(err.message).toBe(
      `the path names account ${SUBACCOUNT_SID}, but keybrake governs account ${ACCOUNT_SID}; use that Account SID [keybrake_account_mismatch]`,
    );
    // an agent configured with the other SID (as username, or as accountSid beside an API key) is refused the same way
    const other = await refusal(client(s, mode, SUBACCOUNT_SID).messages.create({ to: '+15558675310', from: '+15005550006', body: 'hi' }));
    expect(other.message).toContain('keybrake_account_mismatch');
    const apiKey = await refusal(
      client(s, mode, `SK${'3'.repeat(32)}`, { accountSid: SUBACCOUNT_SID }).messages.create({ to: '+15558675310', from: '+15005550006', body: 'hi' }),
    );
    expect(apiKey.message).toContain('keybrake_account_mismatch');
    expect(s.fake.received.length).toBe(before);
  });

  it('refuses an unlisted agent key with Twilio’s authentication error', async () => {
    const stranger = twilio(ACCOUNT_SID, agentKey().key, { httpClient: client(s, mode).httpClient });
    const err = await refusal(stranger.messages.create({ to: '+15558675310', from: '+15005550006', body: 'hi' }));
    expect(err.status).toBe(401);
    expect(err.code).toBe(20003);
    expect(err.message).toMatch(/not listed/);
  });
});

describe('a $5/day Twilio spend cap', () => {
  const s = setUp();

  it('refuses the message that would cross it, with the numbers, and sends nothing more', async () => {
    const sms = client(s, 'transparent');
    // 1,600 GSM-7 characters: 11 segments of 153; to +44 at $0.0463 a segment, $0.5093, reserved as $0.51
    const long = (n: number) => `Update ${n}: ${'x'.repeat(1600 - `Update ${n}: `.length)}`;
    for (let n = 1; n <= 9; n++) await sms.messages.create({ to: '+447700900123', from: '+15005550006', body: long(n) });
    expect(s.fake.received).toHaveLength(9);

    const err = await refusal(sms.messages.create({ to: '+447700900123', from: '+15005550006', body: long(10) }));
    expect(err.status).toBe(402);
    expect(err.message).toMatch(/^cap day twilio spend: \$4\.59 used \+ \$0\.51 requested > \$5\.00 limit\. /);
    expect(err.message).toContain('[keybrake_cap_exceeded]');
    expect(s.fake.received).toHaveLength(9);

    // a one-segment US text still fits under the cap
    await sms.messages.create({ to: '+15558675310', from: '+15005550006', body: 'short' });
    expect(s.fake.received).toHaveLength(10);
  });
});
