// Issue 11, defects 8 and 9: the bytes the vendor acts on are the bytes the
// proxy judged. A leading byte-order mark (which the decoder used to drop, so
// `amount=100` was judged while Stripe read `\uFEFFamount`) and invalid UTF-8
// are refused; so are method-override headers (judged as GET, acted on as
// DELETE by a server that honours them). Real proxy process, real sockets.
import { describe, expect, it } from 'vitest';
import { useStripeProxy } from '../helpers/stripe-fixture.ts';
import { stripePolicy } from '../e2e/policies.ts';
import { viaProxy } from '../helpers/raw-tls.ts';

const fx = useStripeProxy((sha) => stripePolicy(sha));
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

function refundsSeen(): number {
  return fx.fake.received.filter((r) => r.path.startsWith('/v1/refunds')).length;
}

describe('judged bytes are forwarded bytes', () => {
  it('forwards the exact bytes of an allowed form body', async () => {
    const body = 'amount=100&charge=ch_1&metadata[ticket_id]=T-1';
    const r = await viaProxy(fx.h.port, fx.h.caPem, { method: 'POST', path: '/v1/refunds', headers: { ...FORM, authorization: `Bearer ${fx.key}` }, body });
    expect(r.status).toBe(200);
    expect(fx.fake.received.at(-1)?.body).toBe(body);
  });

  it('refuses a form body that starts with a UTF-8 byte-order mark', async () => {
    const before = refundsSeen();
    const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('amount=100&charge=ch_1&metadata[ticket_id]=T-1')]);
    const r = await viaProxy(fx.h.port, fx.h.caPem, { method: 'POST', path: '/v1/refunds', headers: { ...FORM, authorization: `Bearer ${fx.key}` }, body });
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body).error.message).toMatch(/byte-order mark/);
    expect(refundsSeen()).toBe(before);
  });

  it('refuses a form body that is not valid UTF-8', async () => {
    const before = refundsSeen();
    const body = Buffer.concat([Buffer.from('amount=100&charge=ch_1&metadata[ticket_id]=T'), Buffer.from([0xff, 0xfe])]);
    const r = await viaProxy(fx.h.port, fx.h.caPem, { method: 'POST', path: '/v1/refunds', headers: { ...FORM, authorization: `Bearer ${fx.key}` }, body });
    expect(r.status).toBe(400);
    expect(refundsSeen()).toBe(before);
  });
});

describe('method overrides', () => {
  for (const header of ['X-HTTP-Method-Override', 'X-HTTP-Method', 'X-Method-Override']) {
    it(`refuses ${header} on an otherwise allowed call and forwards nothing`, async () => {
      const before = fx.fake.received.length;
      const r = await viaProxy(fx.h.port, fx.h.caPem, { path: '/v1/customers', headers: { authorization: `Bearer ${fx.key}`, [header]: 'DELETE' } });
      expect(r.status).toBe(400);
      const error = JSON.parse(r.body).error;
      expect(error.code).toBe('keybrake_method_override');
      expect(error.message).toContain(header.toLowerCase());
      expect(fx.fake.received.length).toBe(before);
    });
  }

  it('the same call without the header is forwarded (the refusal is the header, not the call)', async () => {
    const r = await viaProxy(fx.h.port, fx.h.caPem, { path: '/v1/customers', headers: { authorization: `Bearer ${fx.key}` } });
    expect(r.status).toBe(200);
  });
});
