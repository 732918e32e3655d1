// Issue 4 acceptance, Postmark: the official postmark SDK, configured with an
// agent key as its server token, through a real keybrake proxy process to a
// loopback fake of api.postmarkapp.com. postmark.js takes a `fetch` option,
// the way its README routes it through a proxy: bound to the pod's dispatcher.
import { describe, expect, it } from 'vitest';
import { fetch as undiciFetch } from 'undici';
import { Errors, ServerClient } from 'postmark';
import { agentKey } from '../helpers/proxy-harness.ts';
import { postmarkHandler } from './fakes/postmark.ts';
import { dispatcherFor, MODES, type Mode } from './fakes/network.ts';
import { proxiedVendor, type ProxiedVendor } from '../helpers/proxied-vendor.ts';
import { policyFixtureWithKey } from '../fixtures/policies.ts';

const REAL_SERVER_TOKEN = 'real-postmark-server-token-never-in-agent';

const postmarkPolicy = (sha256: string): string => policyFixtureWithKey('postmark-notifier.yaml', sha256);

/** postmark.js as an agent configures it: the agent key as server token, fetch bound to the pod's network. */
function client(s: ProxiedVendor, mode: Mode, token = s.key): ServerClient {
  const dispatcher = dispatcherFor(mode, s.h.port, s.h.caPem);
  // undici's own fetch, so the dispatcher and fetch come from the same undici; its types differ from the DOM ones only nominally
  const fetch = ((input: string, init: object) => undiciFetch(input, { ...init, dispatcher })) as unknown as typeof globalThis.fetch;
  return new ServerClient(token, { fetch });
}

const message = (To: string, extra: Record<string, string> = {}) => ({
  From: 'orders@example.com',
  To,
  Subject: 'Your order',
  TextBody: 'It shipped.',
  MessageStream: 'outbound',
  ...extra,
});

async function refusal<T extends Error>(call: Promise<unknown>, type: new (...args: never[]) => T): Promise<T> {
  const err = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(type);
  return err as T;
}

describe.each(MODES)('postmark SDK, %s mode', (mode) => {
  const s = proxiedVendor({
    host: 'api.postmarkapp.com',
    handler: postmarkHandler,
    policy: postmarkPolicy,
    secrets: { 'postmark-live/serverToken': REAL_SERVER_TOKEN },
  });
  const posts = () => s.fake.received.filter((r) => r.method === 'POST');

  it('sends an allowed email with the real server token, never the agent key', async () => {
    const sent = await client(s, mode).sendEmail(message('ann@example.com, "Doe, Bob" <bob@example.com>', { Bcc: 'ops@example.com' }));
    expect(sent.ErrorCode).toBe(0);
    const [arrived] = posts();
    expect(arrived?.path).toBe('/email');
    expect(arrived?.headers['x-postmark-server-token']).toBe(REAL_SERVER_TOKEN);
    expect(JSON.parse(arrived!.body)).toMatchObject({ To: 'ann@example.com, "Doe, Bob" <bob@example.com>', Bcc: 'ops@example.com' });
    for (const r of s.fake.received) expect(JSON.stringify(r)).not.toContain(s.key);
  });

  it('refuses a recipient outside the allowed domain as an ApiInputError, before it reaches Postmark', async () => {
    const before = s.fake.received.length;
    const err = await refusal(client(s, mode).sendEmail(message('ann@example.com', { Cc: 'eve@evil.test' })), Errors.ApiInputError);
    expect(err.statusCode).toBe(422);
    expect(err.code).toBe(405);
    expect(err.message).toBe('rule customers-on-our-domain: recipient_domains[1] "evil.test" not in [example.com] [keybrake_rule_denied]');
    expect(s.fake.received.length).toBe(before);
  });

  it('sees an outside address in the Bcc of one message of a batch', async () => {
    const before = s.fake.received.length;
    const batch = [message('ann@example.com'), message('bob@example.com', { Bcc: 'leak@evil.test' })];
    const err = await refusal(client(s, mode).sendEmailBatch(batch), Errors.ApiInputError);
    expect(err.message).toContain('"evil.test" not in [example.com]');
    expect(s.fake.received.length).toBe(before);
    const sent = await client(s, mode).sendEmailBatch(batch.slice(0, 1));
    expect(sent).toHaveLength(1);
    expect(posts().at(-1)?.path).toBe('/email/batch');
  });

  it('allows only the receipt template', async () => {
    const templated = (TemplateAlias: string) => ({ From: 'orders@example.com', To: 'ann@example.com', TemplateAlias, TemplateModel: { order: 42 } });
    await client(s, mode).sendEmailWithTemplate(templated('receipt'));
    expect(posts().at(-1)?.path).toBe('/email/withTemplate');
    const before = s.fake.received.length;
    const err = await refusal(client(s, mode).sendEmailWithTemplate(templated('password-reset')), Errors.ApiInputError);
    expect(err.message).toContain('rule receipts: TemplateAlias "password-reset" not in [receipt]');
    expect(s.fake.received.length).toBe(before);
  });

  it('refuses an unlisted agent key as an InvalidAPIKeyError', async () => {
    const err = await refusal(client(s, mode, agentKey().key).sendEmail(message('ann@example.com')), Errors.InvalidAPIKeyError);
    expect(err.statusCode).toBe(401);
    expect(err.message).toMatch(/not listed/);
  });
});
