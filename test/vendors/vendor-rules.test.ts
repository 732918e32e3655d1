// Rules read every vendor's parsed body the same way: a `where` constraint or
// a CEL expression written against the fields a pack exposes.
import { describe, expect, it } from 'vitest';
import { compileRule } from '../../src/policy/rules.ts';
import type { Rule } from '../../src/policy/schema.ts';
import type { VendorPack } from '../../src/vendors/pack.ts';
import { twilioPack } from '../../src/vendors/twilio/index.ts';
import { resendPack } from '../../src/vendors/resend/index.ts';
import { postmarkPack } from '../../src/vendors/postmark/index.ts';
import { formBody, vendorRequest } from './vendor-request.ts';

/** undefined when the rule allows the request, else the miss message. */
function verdict(pack: VendorPack, rule: Rule, path: string, body: string, type = 'application/json'): string | undefined {
  const op = pack.identify('POST', path);
  const req = vendorRequest('POST', path, { body, type });
  const parsed = pack.parse(req, op);
  if (!parsed.ok) throw new Error(parsed.refusal.message);
  const compiled = compileRule(rule);
  expect(compiled.covers(op.id, 'POST', path)).toBe(true);
  return compiled.check({ operation: op.id, method: 'POST', path, body: parsed.body, headers: req.headers })?.message;
}

describe('rules over vendor bodies', () => {
  it('limits Twilio To to country prefixes', () => {
    const rule: Rule = { name: 'us-uk-only', allow: ['messages.create'], where: { To: { matches: '^\\+(1|44)\\d+$' } } };
    const path = `/2010-04-01/Accounts/AC${'a'.repeat(32)}/Messages.json`;
    const form = 'application/x-www-form-urlencoded';
    expect(verdict(twilioPack, rule, path, formBody({ To: '+447700900123', Body: 'hi' }), form)).toBeUndefined();
    expect(verdict(twilioPack, rule, path, formBody({ To: '+33612345678', Body: 'hi' }), form)).toContain('does not match');
  });

  it('limits Resend recipients to one domain across every email of a batch', () => {
    const rule: Rule = { name: 'our-domain', allow: ['emails.send', 'emails.batch'], cel: "request.body.recipient_domains.all(d, d == 'example.com')" };
    const ok = [{ to: 'a@example.com' }, { to: ['b@example.com'], cc: 'c@example.com' }];
    const sneaky = [{ to: 'a@example.com' }, { to: 'b@example.com', bcc: 'leak@evil.test' }];
    expect(verdict(resendPack, rule, '/emails/batch', JSON.stringify(ok))).toBeUndefined();
    expect(verdict(resendPack, rule, '/emails/batch', JSON.stringify(sneaky))).toContain('is not true');
    expect(verdict(resendPack, rule, '/emails', JSON.stringify({ to: 'Eve <eve@evil.test>' }))).toContain('is not true');
  });

  it('bounds Postmark recipients per send with a plain where constraint', () => {
    const rule: Rule = { name: 'small-sends', allow: ['email.send'], where: { recipient_count: { max: 2 } } };
    expect(verdict(postmarkPack, rule, '/email', JSON.stringify({ To: 'a@x.com, b@x.com' }))).toBeUndefined();
    expect(verdict(postmarkPack, rule, '/email', JSON.stringify({ To: 'a@x.com, b@x.com', Bcc: 'c@x.com' }))).toBe('recipient_count 3 > max 2');
  });
});
