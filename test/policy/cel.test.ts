import { describe, expect, it } from 'vitest';
import { compileCel, MAX_CEL_LENGTH } from '../../src/policy/cel.ts';
import { compileRule } from '../../src/policy/rules.ts';
import type { RuleInput } from '../../src/policy/compiled.ts';

function request(body: Record<string, unknown>, headers: Record<string, string> = {}): RuleInput {
  return { operation: 'refunds.create', method: 'POST', path: '/v1/refunds', body, headers };
}

const evaluate = (expression: string, input: RuleInput) => compileCel(expression).evaluate(input);

describe('CEL rules', () => {
  it('reads canonical decimals in form bodies as numbers (the README example)', () => {
    const cel = compileCel('request.body.amount <= 5000');
    expect(cel.evaluate(request({ amount: '4000' }))).toBeUndefined();
    expect(cel.evaluate(request({ amount: '9000' }))).toBe('cel "request.body.amount <= 5000" is not true');
    expect(cel.evaluate(request({ amount: 4000 }))).toBeUndefined(); // JSON number
  });

  it('keeps non-numeric strings as strings and lets string() compare numeric ones as text', () => {
    expect(evaluate('request.body.customer in ["cus_A", "cus_B"]', request({ customer: 'cus_B' }))).toBeUndefined();
    expect(evaluate('string(request.body.metadata.order) == "0123"', request({ metadata: { order: '0123' } }))).toBeUndefined();
    expect(evaluate('string(request.body.metadata.order) == "123"', request({ metadata: { order: '123' } }))).toBeUndefined();
  });

  it('sees headers (lowercase), path and method', () => {
    const input = request({}, { 'stripe-account': 'acct_1' });
    expect(evaluate('request.headers["stripe-account"] == "acct_1"', input)).toBeUndefined();
    expect(evaluate('request.method == "POST" && request.path.startsWith("/v1/")', input)).toBeUndefined();
    expect(evaluate('!("stripe-account" in request.headers)', request({}))).toBeUndefined();
  });

  it('iterates lists of the body', () => {
    const cel = 'request.body.to.all(t, t.endsWith("@example.com"))';
    expect(evaluate(cel, request({ to: ['a@example.com', 'b@example.com'] }))).toBeUndefined();
    expect(evaluate(cel, request({ to: ['a@example.com', 'b@evil.test'] }))).toBe(`cel ${JSON.stringify(cel)} is not true`);
  });

  it('treats an evaluation error or a non-boolean result as a miss naming the expression', () => {
    expect(evaluate('request.body.amount <= 5000', request({}))).toMatch(/^cel "request\.body\.amount <= 5000" failed: .*amount/);
    expect(evaluate('request.body.amount <= 5000', request({ amount: 'lots' }))).toMatch(/^cel "request\.body\.amount <= 5000" failed: /);
    expect(evaluate('request.body.amount', request({ amount: '1' }))).toBe('cel "request.body.amount" is not true');
  });

  it('refuses expressions that are too long or nest comprehensions too deep', () => {
    expect(() => compileCel(`request.method == "${'x'.repeat(MAX_CEL_LENGTH)}"`)).toThrow(/characters long; the limit is 1000/);
    expect(() => compileCel('request.body.a.all(x, x.b.all(y, y.c.all(z, z > 0)))')).toThrow(
      'nests comprehensions (all, exists, map, filter) more than 2 deep',
    );
    expect(() => compileCel('request.body.a.all(x, x.b.all(y, y > 0))')).not.toThrow();
    expect(() => compileCel('request.body.a.map(x, x).all(y, y > 0)')).not.toThrow(); // chained, not nested
  });

  it('makes a rule miss with the cel field after its where constraints hold', () => {
    const rule = compileRule({
      name: 'connect-refunds',
      allow: ['refunds.create'],
      where: { amount: { max: 9000 } },
      cel: 'request.headers["stripe-account"] == "acct_1"',
    });
    expect(rule.check(request({ amount: '100' }, { 'stripe-account': 'acct_1' }))).toBeUndefined();
    expect(rule.check(request({ amount: '100' }, { 'stripe-account': 'acct_2' }))).toEqual({
      rule: 'connect-refunds',
      field: 'cel',
      message: 'cel "request.headers[\\"stripe-account\\"] == \\"acct_1\\"" is not true',
    });
    expect(rule.check(request({ amount: '10000' }, { 'stripe-account': 'acct_1' }))?.field).toBe('amount');
  });
});
