import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServerClient, Errors } from 'postmark';
import { postmarkPack } from '../../src/vendors/postmark/index.ts';
import type { CostEstimate, Operation, ParsedBody, PriceContext } from '../../src/vendors/pack.ts';
import { vendorRequest } from './vendor-request.ts';
import { cannedServer, type CannedServer } from './canned-server.ts';

const prices: PriceContext = { unitPrices: { currency: 'usd', default: { email: '0.0018' } } };

function parse(path: string, body: unknown): { op: Operation; body: ParsedBody } {
  const op = postmarkPack.identify('POST', path);
  const parsed = postmarkPack.parse(vendorRequest('POST', path, { body: JSON.stringify(body) }), op);
  if (!parsed.ok) throw new Error(parsed.refusal.message);
  return { op, body: parsed.body };
}

function cost(path: string, body: unknown): CostEstimate {
  const p = parse(path, body);
  return postmarkPack.estimateCost(p.op, p.body, prices, vendorRequest('POST', path));
}

describe('postmark: identify', () => {
  it('names the send endpoints and reads', () => {
    expect(postmarkPack.identify('POST', '/email')).toEqual({ id: 'email.send', billable: true, params: {} });
    expect(postmarkPack.identify('POST', '/email/batch').id).toBe('email.batch');
    expect(postmarkPack.identify('POST', '/email/withTemplate').id).toBe('email.withTemplate');
    expect(postmarkPack.identify('POST', '/email/batchWithTemplates').id).toBe('email.batchWithTemplates');
    expect(postmarkPack.identify('GET', '/messages/outbound/abc/details')).toMatchObject({ id: 'messages.outbound.retrieve', params: { id: 'abc' } });
    expect(postmarkPack.identify('POST', '/servers').id).toBe('');
  });
});

describe('postmark: parse and count recipients', () => {
  it('counts every address of the comma lists in To, Cc and Bcc', () => {
    const { body } = parse('/email', {
      From: 'help@shop.example',
      To: 'ann@example.com, "Doe, Jo" <jo@example.com>',
      Cc: 'bob@other.test',
      Bcc: 'audit@shop.example,  log@shop.example',
      Subject: 'Refund',
      TextBody: 'done',
    });
    expect(body.recipients).toEqual(['ann@example.com', 'jo@example.com', 'bob@other.test', 'audit@shop.example', 'log@shop.example']);
    expect(body.recipient_domains).toEqual(['example.com', 'other.test', 'shop.example']);
  });

  it('counts semicolon-separated addresses too, and the address inside angle brackets', () => {
    const { body } = parse('/email', { To: 'a@example.com; "Jo <x@fake.test>" <jo@example.com>' });
    expect(body.recipients).toEqual(['a@example.com', 'jo@example.com']);
  });

  it('reads a template batch from its Messages list', () => {
    const { body } = parse('/email/batchWithTemplates', {
      Messages: [
        { From: 'a@s.example', To: 'x@example.com', TemplateAlias: 'welcome' },
        { From: 'a@s.example', To: 'y@example.com, z@example.com', TemplateAlias: 'welcome' },
      ],
    });
    expect(body.emails).toHaveLength(2);
    expect(body.recipients).toEqual(['x@example.com', 'y@example.com', 'z@example.com']);
    expect(body.Messages).toBeUndefined();
  });

  it('refuses To and to together, which a case-insensitive server could read either way', () => {
    const op = postmarkPack.identify('POST', '/email');
    const r = postmarkPack.parse(vendorRequest('POST', '/email', { body: JSON.stringify({ To: 'ok@example.com', to: 'leak@evil.test' }) }), op);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.refusal.message).toContain('differ only in case');
    expect(parse('/email', { to: 'leak@evil.test' }).body.recipient_domains).toEqual(['evil.test']);
  });

  it('refuses a To that is not a string', () => {
    const op = postmarkPack.identify('POST', '/email');
    const r = postmarkPack.parse(vendorRequest('POST', '/email', { body: JSON.stringify({ To: 42 }) }), op);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.refusal.param).toBe('To');
  });
});

describe('postmark: cost', () => {
  it('prices a send per recipient, with emails and recipients as units', () => {
    expect(cost('/email', { To: 'a@x.com, b@x.com', Cc: 'c@x.com' })).toEqual({
      kind: 'amount',
      amount: 1, // 3 × $0.0018 = $0.0054 → 1 cent
      currency: 'usd',
      units: { emails: 1, recipients: 3 },
    });
    expect(cost('/email/withTemplate', { To: 'a@x.com', TemplateId: 7 })).toMatchObject({ units: { emails: 1, recipients: 1 } });
  });

  it('prices a batch across its emails', () => {
    const batch = Array.from({ length: 500 }, (_, i) => ({ To: `u${i}@x.com, v${i}@x.com` }));
    expect(cost('/email/batch', batch)).toEqual({ kind: 'amount', amount: 180, currency: 'usd', units: { emails: 500, recipients: 1000 } });
  });
});

describe('postmark: credentials', () => {
  const op = postmarkPack.identify('POST', '/email');

  it('takes the agent key from X-Postmark-Server-Token and sends the real token there', () => {
    expect(postmarkPack.presentedKey({ 'x-postmark-server-token': 'kb_agent' })).toEqual({ key: 'kb_agent' });
    expect(postmarkPack.presentedKey({ authorization: 'Bearer kb_agent' })).toBeUndefined();
    const r = postmarkPack.applyCredential({ 'x-postmark-server-token': 'kb_agent', accept: 'application/json' }, 'real-server-token', {
      path: '/email',
      op,
      presented: { key: 'kb_agent' },
    });
    expect(r).toEqual({ ok: true, headers: { accept: 'application/json', 'x-postmark-server-token': 'real-server-token' } });
  });

  it('drops an account token the agent slipped in', () => {
    const r = postmarkPack.applyCredential({ 'x-postmark-server-token': 'kb_agent', 'x-postmark-account-token': 'acct' }, 'real', {
      path: '/email',
      op,
      presented: { key: 'kb_agent' },
    });
    expect(r.ok && r.headers).toEqual({ 'x-postmark-server-token': 'real' });
  });
});

describe("postmark: errors in Postmark's shape", () => {
  let server: CannedServer;
  let client: ServerClient;
  beforeAll(async () => {
    server = await cannedServer();
    client = new ServerClient('kb_agent', { useHttps: false, requestHost: server.host });
  });
  afterAll(() => server.close());

  it('makes postmark.js raise its ApiInputError with the rule in the message', async () => {
    const response = postmarkPack.errorResponse({
      status: 403,
      code: 'keybrake_cap_exceeded',
      message: 'cap day postmark recipients: 99 used + 2 requested > 100 limit',
    });
    expect(response.status).toBe(422);
    expect(JSON.parse(response.body)).toMatchObject({ ErrorCode: 405, KeybrakeCode: 'keybrake_cap_exceeded' });
    server.answer(response);
    const err = await client.sendEmail({ From: 'a@s.example', To: 'x@example.com', Subject: 's', TextBody: 't' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Errors.ApiInputError);
    expect((err as Errors.ApiInputError).code).toBe(405);
    expect((err as Error).message).toContain('99 used + 2 requested > 100 limit');
  });

  it('makes a key refusal an InvalidAPIKeyError', async () => {
    server.answer(postmarkPack.errorResponse({ status: 401, code: 'keybrake_invalid_agent_key', message: 'unknown key' }));
    const err = await client.sendEmail({ From: 'a@s.example', To: 'x@example.com', Subject: 's', TextBody: 't' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Errors.InvalidAPIKeyError);
  });

  it('reports an unreadable body as an invalid email request', () => {
    const body = JSON.parse(postmarkPack.errorResponse({ status: 400, code: 'keybrake_unparseable_body', message: 'x' }).body);
    expect(body.ErrorCode).toBe(300);
  });
});
