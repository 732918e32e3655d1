import { describe, expect, it } from 'vitest';
import twilio from 'twilio';
import { twilioPack } from '../../src/vendors/twilio/index.ts';
import type { CostEstimate, Operation, ParsedBody, PriceContext } from '../../src/vendors/pack.ts';
import { basicAuth, formBody, vendorRequest } from './vendor-request.ts';

const AC = `AC${'a'.repeat(32)}`;
const OTHER_AC = `AC${'b'.repeat(32)}`;
const SK = `SK${'c'.repeat(32)}`;
const MESSAGES = `/2010-04-01/Accounts/${AC}/Messages.json`;
const CALLS = `/2010-04-01/Accounts/${AC}/Calls.json`;
const FORM = 'application/x-www-form-urlencoded';

const prices: PriceContext = {
  unitPrices: {
    currency: 'usd',
    default: { sms: '0.05', mms: '0.10', call_minute: '0.10', whatsapp: '0.02' },
    byCountry: {
      '+1': { sms: '0.0079', call_minute: '0.014' },
      '+44': { sms: '0.04' },
      '+447': { sms: '0.06' },
    },
  },
};

function parse(method: string, url: string, fields?: Record<string, string | string[]>): { op: Operation; body: ParsedBody } {
  const op = twilioPack.identify(method, url.split('?')[0]!);
  const req = vendorRequest(method, url, fields ? { body: formBody(fields), type: FORM } : {});
  const parsed = twilioPack.parse(req, op);
  if (!parsed.ok) throw new Error(parsed.refusal.message);
  return { op, body: parsed.body };
}

function cost(url: string, fields: Record<string, string | string[]>, ctx: PriceContext = prices): CostEstimate {
  const { op, body } = parse('POST', url, fields);
  return twilioPack.estimateCost(op, body, ctx, vendorRequest('POST', url));
}

describe('twilio: identify', () => {
  it('names the message and call operations and their account', () => {
    expect(twilioPack.identify('POST', MESSAGES)).toEqual({ id: 'messages.create', billable: true, params: { AccountSid: AC } });
    expect(twilioPack.identify('POST', CALLS).id).toBe('calls.create');
    expect(twilioPack.identify('GET', MESSAGES).id).toBe('messages.list');
    expect(twilioPack.identify('GET', `/2010-04-01/Accounts/${AC}/Messages/SM123.json`)).toMatchObject({ id: 'messages.retrieve', params: { Sid: 'SM123' } });
    expect(twilioPack.identify('GET', `/2010-04-01/Accounts/${AC}.json`).id).toBe('accounts.retrieve');
  });

  it('still sees a message create without the .json suffix or with another format', () => {
    expect(twilioPack.identify('POST', `/2010-04-01/Accounts/${AC}/Messages`).id).toBe('messages.create');
    expect(twilioPack.identify('POST', `/2010-04-01/Accounts/${AC}/Messages.xml`).id).toBe('messages.create');
  });

  it('leaves unknown paths unknown', () => {
    expect(twilioPack.identify('POST', `/2010-04-01/Accounts/${AC}/Queues.json`).id).toBe('');
    expect(twilioPack.identify('POST', `/2010-04-01/Accounts/${AC}/../Messages.json`).id).toBe('');
  });
});

describe('twilio: parse', () => {
  it('reads PascalCase form fields and repeated MediaUrl as a list', () => {
    const { body } = parse('POST', MESSAGES, { To: '+15551234567', From: '+15557654321', Body: 'hi there', MediaUrl: ['https://a/1.png', 'https://a/2.png'] });
    expect(body).toEqual({ To: '+15551234567', From: '+15557654321', Body: 'hi there', MediaUrl: ['https://a/1.png', 'https://a/2.png'] });
  });

  it('refuses To given twice, so a rule and Twilio never read different recipients', () => {
    const op = twilioPack.identify('POST', MESSAGES);
    const r = twilioPack.parse(vendorRequest('POST', MESSAGES, { body: 'To=%2B15551234567&To=%2B447700900000&Body=x', type: FORM }), op);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.refusal).toMatchObject({ status: 400, code: 'keybrake_unparseable_body', param: 'To' });
  });

  it('refuses names that differ only in case, and prices a lowercase body by its length', () => {
    const op = twilioPack.identify('POST', MESSAGES);
    const r = twilioPack.parse(vendorRequest('POST', MESSAGES, { body: 'To=%2B15551234567&Body=hi&body=long', type: FORM }), op);
    expect(r.ok).toBe(false);
    expect(cost(MESSAGES, { To: '+15551234567', body: 'a'.repeat(161) })).toMatchObject({ units: { segments: 2 } });
  });

  it('refuses query parameters on a POST and bodies that are not forms', () => {
    const op = twilioPack.identify('POST', MESSAGES);
    expect(twilioPack.parse(vendorRequest('POST', `${MESSAGES}?To=%2B1555`, { body: 'Body=x', type: FORM }), op).ok).toBe(false);
    expect(twilioPack.parse(vendorRequest('POST', MESSAGES, { body: '{"To":"+1555"}', type: 'application/json' }), op).ok).toBe(false);
  });

  it('reads list filters from the query string', () => {
    expect(parse('GET', `${MESSAGES}?To=%2B15551234567&PageSize=20`).body).toEqual({ To: '+15551234567', PageSize: '20' });
  });
});

describe('twilio: credentials', () => {
  const op = twilioPack.identify('POST', MESSAGES);

  it('takes the agent key from the Basic password and the SID from the username', () => {
    expect(twilioPack.presentedKey(basicAuth(AC, 'kb_agent'))).toEqual({ key: 'kb_agent', principal: AC });
    expect(twilioPack.presentedKey(basicAuth(SK, 'kb_agent'))).toEqual({ key: 'kb_agent', principal: SK });
    expect(twilioPack.presentedKey({ authorization: 'Bearer kb_agent' })).toBeUndefined();
  });

  it('sends the real auth token as Basic AccountSid:token', () => {
    const r = twilioPack.applyCredential({ ...basicAuth(AC, 'kb_agent'), accept: 'application/json' }, `${AC}:realtoken\n`, {
      path: MESSAGES,
      op,
      presented: { key: 'kb_agent' },
    });
    expect(r).toEqual({ ok: true, headers: { ...basicAuth(AC, 'realtoken'), accept: 'application/json' } });
  });

  it('sends an API key as Basic SK…:secret when the Secret holds one', () => {
    const r = twilioPack.applyCredential(basicAuth(SK, 'kb_agent'), `${AC}:${SK}:keysecret`, { path: MESSAGES, op, presented: { key: 'kb_agent' } });
    expect(r).toEqual({ ok: true, headers: basicAuth(SK, 'keysecret') });
  });

  it('refuses a path naming another account, even an encoded one outside the catalog', () => {
    const other = `/2010-04-01/Accounts/${OTHER_AC}/Messages.json`;
    const r = twilioPack.applyCredential(basicAuth(OTHER_AC, 'kb_agent'), `${AC}:realtoken`, {
      path: other,
      op: twilioPack.identify('POST', other),
      presented: { key: 'kb_agent' },
    });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.refusal).toMatchObject({ status: 403, code: 'keybrake_account_mismatch' });
      expect(r.refusal.message).toContain(OTHER_AC);
    }
    const sneaky = `/2010-04-01/%41ccounts/${OTHER_AC}/Queues.json`;
    const s = twilioPack.applyCredential({}, `${AC}:realtoken`, { path: sneaky, op: twilioPack.identify('POST', sneaky), presented: { key: 'kb_agent' } });
    expect(s.ok).toBe(false);
  });

  it('refuses a malformed Secret without echoing it', () => {
    const r = twilioPack.applyCredential({}, 'just-a-token', { path: MESSAGES, op, presented: { key: 'kb_agent' } });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.refusal.code).toBe('keybrake_credential_invalid');
      expect(r.refusal.message).not.toContain('just-a-token');
    }
  });
});

describe('twilio: cost before sending', () => {
  it('prices SMS segments by the longest matching country prefix', () => {
    // US: 1 segment × $0.0079 → rounded up to 1 cent.
    expect(cost(MESSAGES, { To: '+15551234567', Body: 'hello' })).toEqual({ kind: 'amount', amount: 1, currency: 'usd', units: { messages: 1, segments: 1 } });
    // UK mobile (+447): 2 segments × $0.06.
    expect(cost(MESSAGES, { To: '+447700900123', Body: 'a'.repeat(161) })).toMatchObject({ amount: 12, units: { segments: 2 } });
    // UK landline (+44): 1 × $0.04.
    expect(cost(MESSAGES, { To: '+442071234567', Body: 'hi' })).toMatchObject({ amount: 4 });
    // No country entry: the default $0.05.
    expect(cost(MESSAGES, { To: '+33612345678', Body: 'salut' })).toMatchObject({ amount: 5 });
  });

  it('rounds the whole message up once, not each segment', () => {
    // 11 segments × $0.0079 = $0.0869 → 9 cents (per-segment rounding would say 11).
    expect(cost(MESSAGES, { To: '+15551234567', Body: 'x'.repeat(1600) })).toMatchObject({ amount: 9, units: { segments: 11 } });
  });

  it('counts an emoji message as UCS-2', () => {
    expect(cost(MESSAGES, { To: '+15551234567', Body: `${'a'.repeat(70)}😀` })).toMatchObject({ units: { segments: 2 } });
  });

  it('prices a message with MediaUrl as one MMS', () => {
    expect(cost(MESSAGES, { To: '+15551234567', Body: 'x'.repeat(500), MediaUrl: ['https://a/1.png', 'https://a/2.png'] })).toEqual({
      kind: 'amount',
      amount: 10,
      currency: 'usd',
      units: { messages: 1, mms: 1 },
    });
  });

  it('prices a WhatsApp message per message', () => {
    expect(cost(MESSAGES, { To: 'whatsapp:+15551234567', Body: 'x'.repeat(500) })).toMatchObject({ amount: 2, units: { messages: 1 } });
  });

  it('refuses to guess a missing price, naming what to add', () => {
    const c = cost(MESSAGES, { To: '+15551234567', Body: 'hi' }, { unitPrices: { currency: 'usd', default: { mms: '0.1' } } });
    expect(c.kind).toBe('unknown');
    if (c.kind === 'unknown') expect(c.reason).toContain('unitPrices.default.sms');
    expect(cost(MESSAGES, { To: '+15551234567', Body: 'hi' }, {}).kind).toBe('unknown');
  });

  it('refuses an SMS from a template, whose length it cannot see', () => {
    expect(cost(MESSAGES, { To: '+15551234567', ContentSid: 'HX123' }).kind).toBe('unknown');
  });

  it('prices a call by TimeLimit rounded up to minutes', () => {
    expect(cost(CALLS, { To: '+15551234567', From: '+15557654321', Url: 'https://x', TimeLimit: '601' })).toEqual({
      kind: 'amount',
      amount: 16, // 11 minutes × $0.014 = $0.154
      currency: 'usd',
      units: { calls: 1, minutes: 11 },
    });
  });

  it('uses maxCallMinutes for a call without TimeLimit, and refuses when there is neither', () => {
    const withMax = cost(CALLS, { To: '+15551234567', From: '+1555', Url: 'https://x' }, { ...prices, maxCallMinutes: 30 });
    expect(withMax).toMatchObject({ amount: 42, units: { minutes: 30 } });
    const neither = cost(CALLS, { To: '+15551234567', From: '+1555', Url: 'https://x' });
    expect(neither.kind).toBe('unknown');
    if (neither.kind === 'unknown') expect(neither.reason).toContain('TimeLimit');
  });

  it('lets a hang-up through free but not a redirect to new TwiML', () => {
    const update = `/2010-04-01/Accounts/${AC}/Calls/CA123.json`;
    expect(cost(update, { Status: 'completed' }).kind).toBe('free');
    expect(cost(update, { Twiml: '<Response><Dial>+15550000000</Dial></Response>' }).kind).toBe('unknown');
  });

  it('treats reads as free', () => {
    const { op, body } = parse('GET', MESSAGES);
    expect(twilioPack.estimateCost(op, body, prices, vendorRequest('GET', MESSAGES))).toEqual({ kind: 'free' });
  });
});

describe('twilio: settle', () => {
  const op = twilioPack.identify('POST', MESSAGES);
  const estimate: CostEstimate = { kind: 'amount', amount: 1, currency: 'usd' };

  it('keeps the estimate while Twilio has not priced the message', () => {
    expect(twilioPack.settledAmount!(op, { sid: 'SM1', price: null, price_unit: 'USD' }, estimate)).toBeUndefined();
  });

  it('uses the absolute value of a real price, rounded up to minor units', () => {
    expect(twilioPack.settledAmount!(op, { price: '-0.00750', price_unit: 'USD' }, estimate)).toEqual({ amount: 1, currency: 'usd' });
    expect(twilioPack.settledAmount!(op, { price: '-0.15800', price_unit: 'USD' }, estimate)).toEqual({ amount: 16, currency: 'usd' });
    expect(twilioPack.settledAmount!(op, { price: '-0.50', price_unit: 'GBP' }, estimate)).toEqual({ amount: 50, currency: 'gbp' });
  });
});

describe('twilio: loop fingerprint and errors', () => {
  it('treats the same To, From and Body as the same message', () => {
    const a = parse('POST', MESSAGES, { To: '+1555', From: '+1666', Body: 'same' });
    const b = parse('POST', MESSAGES, { To: '+1555', From: '+1666', Body: 'same', StatusCallback: 'https://cb/2' });
    const c = parse('POST', MESSAGES, { To: '+1555', From: '+1666', Body: 'different' });
    expect(twilioPack.loopFingerprint(a.op, a.body)).toEqual(twilioPack.loopFingerprint(b.op, b.body));
    expect(twilioPack.loopFingerprint(a.op, a.body)).not.toEqual(twilioPack.loopFingerprint(c.op, c.body));
  });

  it("answers in Twilio's error shape, which twilio-node reads into a RestException", () => {
    const r = twilioPack.errorResponse({
      status: 403,
      code: 'keybrake_cap_exceeded',
      message: 'cap 24h twilio spend: $4.99 used + $0.02 requested > $5.00 limit',
    });
    expect(r.status).toBe(403);
    const body = JSON.parse(r.body);
    expect(body).toMatchObject({ code: 20403, status: 403, keybrake_code: 'keybrake_cap_exceeded', more_info: 'https://www.twilio.com/docs/errors/20403' });
    const err = new twilio.RestException({ statusCode: r.status, body: r.body });
    expect(err.code).toBe(20403);
    expect(err.message).toContain('$5.00 limit');
    expect(err.message).toContain('keybrake_cap_exceeded');
  });

  it('never answers 429, which twilio-node may retry', () => {
    expect(twilioPack.errorResponse({ status: 429, code: 'keybrake_cap_exceeded', message: 'x' }).status).toBe(403);
  });
});

describe('twilio: policy validation', () => {
  const entry = { vendor: 'twilio', credential: { secretRef: { name: 't', key: 'k' } }, agentKeys: [] };

  it('accepts known price names and E.164 prefixes', () => {
    expect(twilioPack.validateEntry!({ ...entry, unitPrices: prices.unitPrices, maxCallMinutes: 10 })).toEqual([]);
  });

  it('names each bad field', () => {
    const errors = twilioPack.validateEntry!({
      ...entry,
      unitPrices: { currency: 'usd', default: { sms: 'cheap', email: '0.1' }, byCountry: { UK: { sms: '0.04' } } },
      maxCallMinutes: 0,
    });
    expect(errors).toEqual([
      'unitPrices.default.sms: must be a non-negative decimal string such as "0.0079"',
      'unitPrices.default.email: unknown price name; valid names: sms, mms, call_minute, whatsapp, messenger, rcs',
      'unitPrices.byCountry["UK"]: must be an E.164 prefix such as "+44"',
      'maxCallMinutes: must be a positive whole number of minutes',
    ]);
  });
});
