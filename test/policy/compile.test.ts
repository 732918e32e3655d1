import { describe, expect, it } from 'vitest';
import { compilePolicies } from '../../src/policy/compile.ts';
import { PolicyError } from '../../src/policy/documents.ts';
import type { EgressPolicy } from '../../src/policy/schema.ts';
import { basePolicy, fakeValidator, KEY_HASH } from './fake-pack.ts';

const compile = (docs: EgressPolicy[], generation = 1) => compilePolicies(docs, { validator: fakeValidator, generation });

function capIds(policy: EgressPolicy): string[] {
  return compile([policy])
    .byHost.get('api.fakepay.test')!
    .caps.map((c) => c.id);
}

describe('compilePolicies', () => {
  it('compiles a vendor entry into what the data plane reads', () => {
    const doc = basePolicy();
    doc.metadata.annotations = { 'keybrake.dev/use-case': 'refund support tickets' };
    const policy = compile([doc], 7);
    expect(policy.generation).toBe(7);
    const vendor = policy.byHost.get('api.fakepay.test')!;
    expect(vendor).toMatchObject({
      policyName: 'support-refunds',
      policyNamespace: 'agents',
      useCase: 'refund support tickets',
      enforcement: 'enforce',
      hosts: ['api.fakepay.test'],
      loopBrake: { maxIdentical: 3, withinMs: 60_000 },
    });
    expect(vendor.pack.id).toBe('fakepay');
    expect(vendor.agentKeys.get(KEY_HASH)).toBe('support-1');
    expect(vendor.fx.get('eur')).toEqual({ num: 27n, den: 25n }); // 1.08
    expect(vendor.caps.map(({ name, window, limit, per }) => ({ name, window, limit, per }))).toEqual([
      {
        name: '24h fakepay spend',
        window: { kind: 'rolling', ms: 86_400_000, label: '24h' },
        limit: { kind: 'spend', amount: 50000, currency: 'usd' },
        per: 'key',
      },
      { name: '1m fakepay requests', window: { kind: 'rolling', ms: 60_000, label: '1m' }, limit: { kind: 'requests', count: 30 }, per: 'key' },
    ]);
    expect(vendor.evaluate({ operation: 'refunds.create', method: 'POST', path: '/v1/refunds', headers: {}, body: { amount: '9000' } })).toEqual({
      allowed: false,
      rule: 'partial-refunds-on-tickets',
      message: 'rule partial-refunds-on-tickets: amount 9000 > max 5000',
    });
  });

  it('defaults the use case to the policy name and enforcement to enforce', () => {
    const doc = basePolicy();
    delete doc.spec.enforcement;
    const vendor = compile([doc]).byHost.get('api.fakepay.test')!;
    expect(vendor.useCase).toBe('support-refunds');
    expect(vendor.enforcement).toBe('enforce');
  });

  it('names calendar and unit caps and compiles their windows', () => {
    const doc = basePolicy();
    doc.spec.vendors[0]!.caps = [
      { window: 'day', timeZone: 'Europe/Paris', maxUnits: { count: 500, unit: 'emails' }, operations: ['charges.create'], per: 'run' },
      { window: 'month', maxSpend: { amount: '10000', currency: 'jpy' }, name: 'monthly yen' },
    ];
    const [units, yen] = compile([doc]).byHost.get('api.fakepay.test')!.caps;
    expect(units).toMatchObject({
      name: 'day fakepay emails',
      window: { kind: 'calendar', unit: 'day', timeZone: 'Europe/Paris' },
      limit: { kind: 'units', count: 500, unit: 'emails' },
      per: 'run',
    });
    expect([...units!.operations!]).toEqual(['charges.create']);
    expect(yen).toMatchObject({
      name: 'monthly yen',
      window: { kind: 'calendar', unit: 'month', timeZone: 'UTC' },
      limit: { kind: 'spend', amount: 10000, currency: 'jpy' },
    });
  });

  it('keeps cap ids stable while the cap definition is unchanged', () => {
    const before = capIds(basePolicy());
    const unrelated = basePolicy();
    unrelated.spec.vendors[0]!.rules!.push({ name: 'charges', allow: ['charges.create'] });
    unrelated.spec.vendors[0]!.caps![1]!.maxRequests = 60;
    unrelated.spec.vendors[0]!.caps![0]!.maxSpend = { amount: '500', currency: 'usd' }; // same limit, written differently
    const after = capIds(unrelated);
    expect(after[0]).toBe(before[0]);
    expect(after[1]).not.toBe(before[1]);
    expect(before[0]).toMatch(/^cap_[0-9a-f]{20}$/);
  });

  it('gives a cap a new id when its window, limit, scope or owner changes', () => {
    const base = capIds(basePolicy())[0];
    const variants: Array<(p: EgressPolicy) => void> = [
      (p) => (p.spec.vendors[0]!.caps![0]!.window = '1h'),
      (p) => (p.spec.vendors[0]!.caps![0]!.maxSpend!.amount = '600.00'),
      (p) => (p.spec.vendors[0]!.caps![0]!.maxSpend = { amount: '500.00', currency: 'eur' }),
      (p) => (p.spec.vendors[0]!.caps![0]!.per = 'run'),
      (p) => (p.spec.vendors[0]!.caps![0]!.operations = ['refunds.create']),
      (p) => (p.metadata.name = 'other-policy'),
      (p) => (p.metadata.namespace = 'other-ns'),
    ];
    const ids = variants.map((change) => {
      const p = basePolicy();
      change(p);
      return capIds(p)[0];
    });
    expect(new Set([base, ...ids]).size).toBe(variants.length + 1);
  });

  it('ignores the order of cap operations in the id', () => {
    const a = basePolicy();
    a.spec.vendors[0]!.caps![0]!.operations = ['refunds.create', 'charges.create'];
    const b = basePolicy();
    b.spec.vendors[0]!.caps![0]!.operations = ['charges.create', 'refunds.create'];
    expect(capIds(a)[0]).toBe(capIds(b)[0]);
  });

  it('hashes the documents canonically', () => {
    const a = compile([basePolicy()]).hash;
    const { spec, metadata, kind, apiVersion } = basePolicy();
    const reordered = { spec, metadata: { namespace: metadata.namespace, name: metadata.name }, kind, apiVersion };
    expect(compile([reordered]).hash).toBe(a);
    const changed = basePolicy();
    changed.spec.vendors[0]!.caps![1]!.maxRequests = 31;
    expect(compile([changed]).hash).not.toBe(a);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
  });

  it('is killed when any document says spec.killed', () => {
    expect(compile([basePolicy()]).killedBy).toBeUndefined();
    const killed = basePolicy('kill-me');
    killed.spec.vendors = [];
    killed.spec.killed = true;
    expect(compile([basePolicy(), killed]).killedBy).toBe('policy kill-me spec.killed');
  });

  it('matches passthrough hosts exactly or below a *.suffix', () => {
    const policy = compile([basePolicy()]);
    expect(policy.isPassthrough('api.openai.com')).toBe(true);
    expect(policy.isPassthrough('API.OpenAI.com.')).toBe(true);
    expect(policy.isPassthrough('cdn.example.org')).toBe(true);
    expect(policy.isPassthrough('a.b.example.org')).toBe(true);
    expect(policy.isPassthrough('example.org')).toBe(false);
    expect(policy.isPassthrough('evilexample.org')).toBe(false);
    expect(policy.isPassthrough('api.openai.com.evil.test')).toBe(false);
    expect(policy.allowPrivatePassthrough).toBe(false);
  });

  it('maps overridden hosts, lowercased, to their vendor entry', () => {
    const doc = basePolicy();
    doc.spec.vendors[0]!.hosts = ['eu.fakepay.test'];
    const policy = compile([doc]);
    expect([...policy.byHost.keys()]).toEqual(['eu.fakepay.test']);
  });

  it('throws a PolicyError with every problem, host conflicts included', () => {
    const broken = basePolicy('second');
    broken.spec.vendors[0]!.rules![0]!.allow = ['refund.create'];
    let error: unknown;
    try {
      compile([basePolicy(), broken]);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(PolicyError);
    expect((error as PolicyError).problems).toEqual([
      {
        document: 'policy[1]',
        path: 'spec.vendors[0].rules[0].allow[0]',
        message: expect.stringContaining('unknown fakepay operation "refund.create"; did you mean "refunds.create"?'),
      },
      {
        document: 'policy[1]',
        path: 'spec.vendors[0]',
        message: 'host api.fakepay.test is already governed by policy[0] spec.vendors[0]; one host, one vendor entry',
      },
    ]);
    expect((error as Error).message).toMatch(/^invalid policy \(2 problems\):\n {2}- policy\[1\]: spec/);
  });
});
