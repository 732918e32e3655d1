import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Resend } from 'resend';
import { resendPack } from '../../src/vendors/resend/index.ts';
import type { CostEstimate, Operation, ParsedBody, PriceContext, Refusal } from '../../src/vendors/pack.ts';
import { vendorRequest } from './vendor-request.ts';
import { cannedServer, type CannedServer } from './canned-server.ts';

const prices: PriceContext = { unitPrices: { currency: 'usd', default: { email: '0.001' } } };

function parse(method: string, path: string, body?: unknown): { op: Operation; body: ParsedBody } {
  const op = resendPack.identify(method, path);
  const parsed = resendPack.parse(vendorRequest(method, path, body === undefined ? {} : { body: JSON.stringify(body) }), op);
  if (!parsed.ok) throw new Error(parsed.refusal.message);
  return { op, body: parsed.body };
}

function refusal(method: string, path: string, raw: string, type = 'application/json'): Refusal {
  const parsed = resendPack.parse(vendorRequest(method, path, { body: raw, type }), resendPack.identify(method, path));
  if (parsed.ok) throw new Error(`expected a refusal, got ${JSON.stringify(parsed.body)}`);
  return parsed.refusal;
}

function cost(path: string, body: unknown, ctx: PriceContext = prices): CostEstimate {
  const p = parse('POST', path, body);
  return resendPack.estimateCost(p.op, p.body, ctx, vendorRequest('POST', path));
}

describe('resend: identify', () => {
  it('names sends, batches and reads', () => {
    expect(resendPack.identify('POST', '/emails')).toEqual({ id: 'emails.send', billable: true, params: {} });
    expect(resendPack.identify('POST', '/emails/batch').id).toBe('emails.batch');
    expect(resendPack.identify('GET', '/emails/em_123')).toMatchObject({ id: 'emails.retrieve', params: { id: 'em_123' } });
    expect(resendPack.identify('GET', '/emails/metrics').id).toBe('emails.metrics');
    expect(resendPack.identify('POST', '/broadcasts/b_1/send')).toMatchObject({ id: 'broadcasts.send', billable: true });
    expect(resendPack.identify('POST', '/contacts').id).toBe('');
  });
});

describe('resend: parse', () => {
  it('exposes every recipient of to, cc and bcc (string or array) and their domains to rules', () => {
    const { body } = parse('POST', '/emails', {
      from: 'Support <help@shop.example>',
      to: 'Ann <Ann@Example.com>',
      cc: ['bob@example.com', '"Doe, Jo" <jo@other.test>'],
      bcc: 'audit@shop.example',
      subject: 'Your refund',
    });
    expect(body.recipients).toEqual(['ann@example.com', 'bob@example.com', 'jo@other.test', 'audit@shop.example']);
    expect(body.recipient_domains).toEqual(['example.com', 'other.test', 'shop.example']);
    expect(body.subject).toBe('Your refund');
  });

  it('reads a batch as {emails: [...]} with recipients across every email', () => {
    const { body } = parse('POST', '/emails/batch', [
      { from: 'a@shop.example', to: ['x@example.com'], subject: 'one' },
      { from: 'a@shop.example', to: 'y@evil.test', subject: 'two' },
    ]);
    expect(body.emails).toHaveLength(2);
    expect((body.emails as ParsedBody[])[1]!.recipients).toEqual(['y@evil.test']);
    expect(body.recipients).toEqual(['x@example.com', 'y@evil.test']);
    expect(body.recipient_domains).toEqual(['example.com', 'evil.test']);
  });

  it('refuses a body that pre-fills a derived field to fool a rule', () => {
    const r = refusal('POST', '/emails', JSON.stringify({ to: 'x@evil.test', recipient_domains: ['example.com'] }));
    expect(r).toMatchObject({ status: 400, code: 'keybrake_unparseable_body', param: 'recipient_domains' });
  });

  it('refuses recipients it cannot read, wrong shapes and non-JSON bodies', () => {
    expect(refusal('POST', '/emails', JSON.stringify({ to: { address: 'x@y.z' } })).param).toBe('to');
    expect(refusal('POST', '/emails/batch', JSON.stringify([{ to: 'a@b.c' }, { to: 5 }])).param).toBe('1.to');
    expect(refusal('POST', '/emails', JSON.stringify([{ to: 'a@b.c' }])).message).toContain('JSON object');
    expect(refusal('POST', '/emails/batch', JSON.stringify({ to: 'a@b.c' })).message).toContain('array');
    expect(refusal('POST', '/emails/batch', '[]').message).toContain('non-empty');
    expect(refusal('POST', '/emails', '{"to": ').message).toContain('not valid JSON');
    expect(refusal('POST', '/emails', 'to=a@b.c', 'application/x-www-form-urlencoded').message).toContain('JSON');
  });

  it('accepts a bodiless cancel and reads list parameters from the query', () => {
    expect(parse('POST', '/emails/em_1/cancel').body).toEqual({});
    expect(parse('GET', '/emails?limit=10').body).toEqual({ limit: '10' });
  });
});

describe('resend: credentials', () => {
  it('swaps the Bearer agent key for the real API key', () => {
    expect(resendPack.presentedKey({ authorization: 'Bearer kb_agent' })).toEqual({ key: 'kb_agent' });
    const op = resendPack.identify('POST', '/emails');
    const r = resendPack.applyCredential({ authorization: 'Bearer kb_agent', 'idempotency-key': 'k1' }, 're_real\n', {
      path: '/emails',
      op,
      presented: { key: 'kb_agent' },
    });
    expect(r).toEqual({ ok: true, headers: { authorization: 'Bearer re_real', 'idempotency-key': 'k1' } });
  });

  it('refuses a Secret that would break the header', () => {
    const op = resendPack.identify('POST', '/emails');
    const r = resendPack.applyCredential({}, 're_a\r\nx-evil: 1', { path: '/emails', op, presented: { key: 'kb_agent' } });
    expect(r.ok).toBe(false);
  });
});

describe('resend: cost', () => {
  it('prices each recipient and counts emails and recipients as units', () => {
    expect(cost('/emails', { to: ['a@x.com', 'b@x.com'], cc: 'c@x.com', bcc: ['d@x.com'] })).toEqual({
      kind: 'amount',
      amount: 1, // 4 × $0.001 = $0.004 → rounded up to 1 cent
      currency: 'usd',
      units: { emails: 1, recipients: 4 },
    });
  });

  it('counts a batch by emails and by every recipient', () => {
    const batch = Array.from({ length: 30 }, (_, i) => ({ to: [`u${i}@x.com`, `v${i}@x.com`] }));
    expect(cost('/emails/batch', batch, { unitPrices: { currency: 'usd', default: { email: '0.01' } } })).toEqual({
      kind: 'amount',
      amount: 60,
      currency: 'usd',
      units: { emails: 30, recipients: 60 },
    });
  });

  it('refuses without an email price, and says "0" is the way to say free', () => {
    const c = cost('/emails', { to: 'a@x.com' }, {});
    expect(c.kind).toBe('unknown');
    if (c.kind === 'unknown') expect(c.reason).toContain('"0"');
    expect(cost('/emails', { to: 'a@x.com' }, { unitPrices: { currency: 'usd', default: { email: '0' } } })).toMatchObject({
      amount: 0,
      units: { recipients: 1 },
    });
  });

  it('refuses a broadcast, whose audience it cannot count', () => {
    expect(cost('/broadcasts/b_1/send', {}).kind).toBe('unknown');
    expect(cost('/broadcasts', { segment_id: 's', send: true }).kind).toBe('unknown');
    expect(cost('/broadcasts', { segment_id: 's' }).kind).toBe('free');
  });
});

describe('resend: loop fingerprint', () => {
  it('treats the same sender, subject and recipients as the same email, whatever the order', () => {
    const a = parse('POST', '/emails', { from: 'a@s.com', to: ['x@y.com', 'z@y.com'], subject: 'Hi', text: 'at 10:00' });
    const b = parse('POST', '/emails', { from: 'a@s.com', to: ['z@y.com', 'x@y.com'], subject: 'Hi', text: 'at 10:01' });
    const c = parse('POST', '/emails', { from: 'a@s.com', to: ['x@y.com'], subject: 'Hi' });
    expect(resendPack.loopFingerprint(a.op, a.body)).toEqual(resendPack.loopFingerprint(b.op, b.body));
    expect(resendPack.loopFingerprint(a.op, a.body)).not.toEqual(resendPack.loopFingerprint(c.op, c.body));
  });
});

describe("resend: errors in Resend's shape", () => {
  let server: CannedServer;
  beforeAll(async () => {
    server = await cannedServer();
  });
  afterAll(() => server.close());

  it('is what resend-node returns as {data: null, error}', async () => {
    const response = resendPack.errorResponse({
      status: 403,
      code: 'keybrake_rule_denied',
      message: 'rule only-our-domain: recipient_domains evil.test not in [example.com]',
    });
    expect(JSON.parse(response.body)).toMatchObject({ statusCode: 403, name: 'validation_error', keybrake_code: 'keybrake_rule_denied' });
    server.answer(response);
    const resend = new Resend('kb_agent', { baseUrl: `http://${server.host}` });
    const result = await resend.emails.send({ from: 'a@shop.example', to: 'x@evil.test', subject: 's', text: 't' });
    expect(result.data).toBeNull();
    expect(result.error).toMatchObject({ statusCode: 403, name: 'validation_error' });
    expect(result.error?.message).toContain('only-our-domain');
    expect(result.error?.message).toContain('keybrake_rule_denied');
  });

  it('names key refusals as Resend does', () => {
    const response = resendPack.errorResponse({ status: 401, code: 'keybrake_invalid_agent_key', message: 'unknown key' });
    expect(response.status).toBe(401);
    expect(JSON.parse(response.body).name).toBe('invalid_api_key');
  });
});
