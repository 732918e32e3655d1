import { describe, expect, it } from 'vitest';
import { allowedEntries, compileRule, evaluateRules } from '../../src/policy/rules.ts';
import type { FieldConstraint, Rule } from '../../src/policy/schema.ts';
import type { RuleInput } from '../../src/policy/compiled.ts';

function input(body: Record<string, unknown>, extra: Partial<RuleInput> = {}): RuleInput {
  return { operation: 'refunds.create', method: 'POST', path: '/v1/refunds', body, headers: {}, ...extra };
}

/** The miss message of a one-constraint rule on `field`, or undefined when it holds. */
function miss(field: string, constraint: FieldConstraint, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  const rule = compileRule({ name: 'r', allow: ['refunds.create'], where: { [field]: constraint } });
  return rule.check(input(body, { headers }))?.message;
}

describe('where constraints', () => {
  it('max and min compare canonical decimals numerically', () => {
    expect(miss('amount', { max: 5000 }, { amount: '9000' })).toBe('amount 9000 > max 5000');
    expect(miss('amount', { max: 5000 }, { amount: '5000' })).toBeUndefined();
    expect(miss('amount', { max: 5000 }, { amount: 4999 })).toBeUndefined(); // JSON bodies keep numbers
    expect(miss('amount', { min: 50 }, { amount: '10' })).toBe('amount 10 < min 50');
    expect(miss('amount', { min: 0.5, max: 2 }, { amount: '1.25' })).toBeUndefined();
  });

  it.each(['12abc', '', ' 5000', '1e3', '0x10', '+5', '007', '5,000', 'NaN', 'Infinity', '99999999999999999999'])('never coerces %j to a number', (garbage) => {
    expect(miss('amount', { max: 5000 }, { amount: garbage })).toBe(`amount ${JSON.stringify(garbage)} is not a number`);
  });

  it('refuses a list under min/max, and an object anywhere a value is expected', () => {
    expect(miss('amount', { max: 5000 }, { amount: ['100', '200'] })).toBe('amount must be a single value, found a list of 2');
    expect(miss('amount', { min: 1 }, { amount: [] })).toBe('amount must be a single value, found a list of 0');
    expect(miss('customer', { in: ['cus_A'] }, { customer: { id: 'cus_A' } })).toBe('customer must be a value or a list of values, found an object');
    expect(miss('customer', { notIn: ['cus_B'] }, { customer: { id: 'cus_A' } })).toBe('customer must be a value or a list of values, found an object');
  });

  it('refuses a path that crosses a list without an index, whatever the list holds', () => {
    expect(miss('items.price', { in: ['price_1'] }, { items: [{ price: 'price_1' }] })).toBe(
      'items.price reads across a list of 1; name one element (items.0.price) or every element ([*])',
    );
    // a list of strings has no `price`: its elements are never checked as if they were prices
    expect(miss('items.price', { in: ['a', 'b'] }, { items: ['a', 'b'] })).toBe(
      'items.price reads across a list of 2; name one element (items.0.price) or every element ([*])',
    );
    expect(miss('items.price', { notIn: ['x'] }, { items: ['a'] })).toContain('reads across a list');
    expect(miss('items.0.price', { in: ['price_1'] }, { items: [{ price: 'price_1' }] })).toBeUndefined();
  });

  it('[*] checks every element of a list, max included', () => {
    const refund = (...amounts: unknown[]) => ({ refundCreate: { input: { transactions: amounts.map((amount) => ({ amount })) } } });
    const key = 'refundCreate.input.transactions[*].amount';
    expect(miss(key, { max: 50 }, refund('10.00', '49.99'))).toBeUndefined();
    expect(miss(key, { max: 50 }, refund('10.00', '50.01', '1'))).toBe(`${key} (element 2 of 3) 50.01 > max 50`);
    expect(miss(key, { max: 50 }, refund(10, 'ten'))).toBe(`${key} (element 2 of 2) "ten" is not a number`);
    // a missing amount in one element is a miss, not a pass
    expect(miss(key, { max: 50 }, { refundCreate: { input: { transactions: [{ amount: '1' }, { gateway: 'x' }] } } })).toBe(
      `${key} (element 2 of 2) is required`,
    );
    // no list at all: nothing to exceed a max, but present/in demand an element
    expect(miss(key, { max: 50 }, refund())).toBeUndefined();
    expect(miss(key, { present: true }, refund())).toBe(`${key} has no element to check`);
    expect(miss('refundCreate.input[*].amount', { max: 50 }, refund('1'))).toBe(
      'refundCreate.input[*].amount (element 1 of 1): [*] reads the elements of a list, and this is not a list',
    );
    // nested lists: every element of every list
    const nested = { orders: [{ lines: [{ q: 1 }, { q: 2 }] }, { lines: [{ q: 9 }] }] };
    expect(miss('orders[*].lines[*].q', { max: 5 }, nested)).toBe('orders[*].lines[*].q (element 3 of 3) 9 > max 5');
    expect(miss('orders[*].lines.q', { max: 5 }, nested)).toContain('reads across a list of 2; name one element (orders[*].lines.0.q)');
  });

  it('[*] is the only bracket a where key takes', () => {
    expect(() => compileRule({ name: 'r', allow: ['x'], where: { 'a[0].b': { max: 1 } } })).toThrow(/only \[\*\] may follow a name/);
    expect(() => compileRule({ name: 'r', allow: ['x'], where: { '[*].b': { max: 1 } } })).toThrow(/empty segment/);
  });

  it('a missing value misses every check but notIn', () => {
    expect(miss('amount', { max: 5000 }, {})).toBe('amount is required');
    expect(miss('customer', { in: ['cus_A'] }, {})).toBe('customer is required');
    expect(miss('description', { matches: '^T-' }, {})).toBe('description is required');
    expect(miss('customer', { notIn: ['cus_bad'] }, {})).toBeUndefined();
    expect(miss('constructor', { in: ['x'] }, {})).toBe('constructor is required');
  });

  it('in and notIn compare as strings', () => {
    expect(miss('customer', { in: ['cus_A', 'cus_B'] }, { customer: 'cus_X' })).toBe('customer "cus_X" not in [cus_A, cus_B]');
    expect(miss('customer', { in: ['cus_A', 'cus_B'] }, { customer: 'cus_B' })).toBeUndefined();
    expect(miss('quantity', { in: [1, 2] }, { quantity: '2' })).toBeUndefined();
    expect(miss('quantity', { in: ['2'] }, { quantity: 2 })).toBeUndefined();
    expect(miss('customer', { notIn: ['cus_A', 'cus_B'] }, { customer: 'cus_A' })).toBe('customer "cus_A" is refused (notIn [cus_A, cus_B])');
    expect(miss('customer', { notIn: ['cus_A'] }, { customer: 'cus_C' })).toBeUndefined();
  });

  it('shortens long lists and values in messages', () => {
    const list = Array.from({ length: 12 }, (_, i) => `c${i}`);
    expect(miss('customer', { in: list }, { customer: 'x'.repeat(100) })).toBe(
      `customer "${'x'.repeat(61)}..." not in [c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, … 2 more]`,
    );
  });

  it('present: true needs a non-empty value; present: false needs absence', () => {
    expect(miss('metadata.ticket_id', { present: true }, { metadata: { ticket_id: 'T-1' } })).toBeUndefined();
    expect(miss('metadata.ticket_id', { present: true }, {})).toBe('metadata.ticket_id is required');
    expect(miss('metadata.ticket_id', { present: true }, { metadata: { ticket_id: '' } })).toBe('metadata.ticket_id is required');
    expect(miss('metadata.ticket_id', { present: true }, { metadata: 'T-1' })).toBe('metadata.ticket_id is required');
    expect(miss('metadata', { present: true }, { metadata: { ticket_id: 'T-1' } })).toBeUndefined();
    expect(miss('metadata', { present: true }, { metadata: {} })).toBe('metadata is required');
    expect(miss('transfer_data.destination', { present: false }, {})).toBeUndefined();
    expect(miss('transfer_data.destination', { present: false }, { transfer_data: { destination: '' } })).toBe('transfer_data.destination must be absent');
  });

  it('matches tests the string value', () => {
    expect(miss('to', { matches: '^\\+1' }, { to: '+15551234' })).toBeUndefined();
    expect(miss('to', { matches: '^\\+1' }, { to: '+4420123' })).toBe('to "+4420123" does not match /^\\+1/');
  });

  describe('over a list of values, every element must satisfy in, notIn and matches', () => {
    const domains = (...d: unknown[]) => ({ recipient_domains: d });
    const ours = { in: ['example.com', 'example.org'] };

    it('in: every element is listed; the message names the first that is not', () => {
      expect(miss('recipient_domains', ours, domains('example.com', 'example.org'))).toBeUndefined();
      expect(miss('recipient_domains', ours, domains('example.com', 'evil.test', 'other.test'))).toBe(
        'recipient_domains[1] "evil.test" not in [example.com, example.org]',
      );
      expect(miss('quantities', { in: [1, 2] }, { quantities: [2, '1'] })).toBeUndefined();
    });

    it('notIn: no element is listed', () => {
      expect(miss('customer', { notIn: ['cus_A'] }, { customer: ['cus_B', 'cus_C'] })).toBeUndefined();
      expect(miss('customer', { notIn: ['cus_A'] }, { customer: ['cus_B', 'cus_A'] })).toBe('customer[1] "cus_A" is refused (notIn [cus_A])');
    });

    it('matches: every element matches', () => {
      const https = { matches: '^https:' };
      expect(miss('MediaUrl', https, { MediaUrl: ['https://cdn.example.com/a.png', 'https://cdn.example.com/b.png'] })).toBeUndefined();
      expect(miss('MediaUrl', https, { MediaUrl: ['https://cdn.example.com/a.png', 'http://evil.test/x'] })).toBe(
        'MediaUrl[1] "http://evil.test/x" does not match /^https:/',
      );
    });

    it('an empty list fails in and matches, and passes notIn', () => {
      expect(miss('recipient_domains', ours, domains())).toBe('recipient_domains is an empty list');
      expect(miss('recipient_domains', { matches: '^example' }, domains())).toBe('recipient_domains is an empty list');
      expect(miss('recipient_domains', { notIn: ['evil.test'] }, domains())).toBeUndefined();
    });

    it('a list holding an object, a list or null is a miss', () => {
      expect(miss('to', { in: ['a@example.com'] }, { to: ['a@example.com', { email: 'a@example.com' }] })).toBe(
        'to must be a value or a list of values, found a list holding an object',
      );
      expect(miss('to', { notIn: ['x'] }, { to: [['a']] })).toBe('to must be a value or a list of values, found a list holding a list of 1');
      expect(miss('to', { matches: '.' }, { to: ['a', null] })).toBe('to must be a value or a list of values, found a list holding null');
    });

    it('min and max with in on a list: the list is still a miss', () => {
      expect(miss('counts', { in: [1, 2], max: 5 }, { counts: [1, 2] })).toBe('counts must be a single value, found a list of 2');
    });
  });

  it('reads headers by case-insensitive name', () => {
    const acct = { in: ['acct_1'] };
    expect(miss('header:Stripe-Account', acct, {}, { 'stripe-account': 'acct_1' })).toBeUndefined();
    expect(miss('header:Stripe-Account', acct, {}, { 'stripe-account': 'acct_2' })).toBe('header Stripe-Account "acct_2" not in [acct_1]');
    expect(miss('header:Stripe-Account', acct, {})).toBe('header Stripe-Account is required');
    expect(miss('header:Stripe-Account', { present: false }, {}, { 'stripe-account': 'acct_1' })).toBe('header Stripe-Account must be absent');
  });

  it('checks constraints in order and names the first that fails', () => {
    const rule = compileRule({
      name: 'partial-refunds-on-tickets',
      allow: ['refunds.create'],
      where: { amount: { max: 5000 }, 'metadata.ticket_id': { present: true } },
    });
    expect(rule.check(input({ amount: '100' }))).toEqual({
      rule: 'partial-refunds-on-tickets',
      field: 'metadata.ticket_id',
      message: 'metadata.ticket_id is required',
    });
  });
});

describe('covers', () => {
  const rule = compileRule({ name: 'r', allow: ['refunds.create', 'GET /v1/climate/**', 'POST /v1/orders/*/pay'] });

  it('covers listed operation ids only', () => {
    expect(rule.covers('refunds.create', 'POST', '/v1/refunds')).toBe(true);
    expect(rule.covers('payouts.create', 'POST', '/v1/payouts')).toBe(false);
  });

  it('matches METHOD /path patterns: * one segment, trailing ** the rest', () => {
    expect(rule.covers('', 'GET', '/v1/climate/orders')).toBe(true);
    expect(rule.covers('', 'GET', '/v1/climate/orders/co_1')).toBe(true);
    expect(rule.covers('', 'GET', '/v1/climate')).toBe(false);
    expect(rule.covers('', 'POST', '/v1/climate/orders')).toBe(false);
    expect(rule.covers('', 'POST', '/v1/orders/or_1/pay')).toBe(true);
    expect(rule.covers('', 'POST', '/v1/orders/or_1/x/pay')).toBe(false);
    expect(rule.covers('', 'POST', '/v1/orders/pay')).toBe(false);
  });

  it.each(['/v1/climate/../payouts', '/v1/climate/%2e%2E/payouts', '/v1/climate/a%2Fb', '/v1/climate//x', '/v1/climate/%zz', '/v1/climate/.'])(
    'never lets %s walk out of a pattern',
    (path) => {
      expect(rule.covers('', 'GET', path)).toBe(false);
    },
  );
});

describe('evaluateRules', () => {
  const ruleDefs: Rule[] = [
    { name: 'small-refunds', allow: ['refunds.create'], where: { amount: { max: 5000 } } },
    { name: 'ticketed-refunds', allow: ['refunds.create'], where: { amount: { max: 20000 }, 'metadata.ticket_id': { present: true } } },
    { name: 'climate-reads', allow: ['GET /v1/climate/**'] },
  ];
  const rules = ruleDefs.map(compileRule);
  const evaluate = (i: RuleInput) => evaluateRules(rules, i, 'support-refunds', allowedEntries(ruleDefs));

  it('allows with the first rule that covers and passes', () => {
    expect(evaluate(input({ amount: '100' }))).toEqual({ allowed: true, rule: 'small-refunds' });
    expect(evaluate(input({ amount: '9000', metadata: { ticket_id: 'T-1' } }))).toEqual({ allowed: true, rule: 'ticketed-refunds' });
  });

  it('refuses with the nearest miss: the first covering rule', () => {
    expect(evaluate(input({ amount: '9000' }))).toEqual({
      allowed: false,
      rule: 'small-refunds',
      message: 'rule small-refunds: amount 9000 > max 5000',
    });
  });

  it('refuses an operation no rule covers and lists what is allowed', () => {
    expect(evaluate(input({}, { operation: 'payouts.create', path: '/v1/payouts' }))).toEqual({
      allowed: false,
      message: 'operation payouts.create is not allowed by any rule of policy support-refunds (allowed: refunds.create, GET /v1/climate/**)',
    });
    expect(evaluate(input({}, { operation: '', method: 'POST', path: '/v1/climate/orders' }))).toEqual({
      allowed: false,
      message: 'operation POST /v1/climate/orders is not allowed by any rule of policy support-refunds (allowed: refunds.create, GET /v1/climate/**)',
    });
    expect(evaluateRules([], input({}), 'empty', [])).toEqual({
      allowed: false,
      message: 'operation refunds.create is not allowed by any rule of policy empty (allowed: nothing)',
    });
  });

  it('allows an unknown endpoint through a pattern', () => {
    expect(evaluate(input({}, { operation: '', method: 'GET', path: '/v1/climate/orders' }))).toEqual({ allowed: true, rule: 'climate-reads' });
  });
});
