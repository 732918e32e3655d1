// The EgressPolicy `keybrake scope` prints validates with keybrake's own
// validator for every use case and for all of them at once, and reads back
// from its YAML unchanged.
import { describe, expect, it } from 'vitest';
import { parsePolicyTexts } from '../../src/policy/documents.ts';
import { formatProblem } from '../../src/policy/feed.ts';
import type { EgressPolicy } from '../../src/policy/schema.ts';
import { registryValidator } from '../../src/commands/policy-setup.ts';
import { scopeReport, type ScopeReport } from '../../src/scope/report.ts';
import { USE_CASES, operationsOf } from '../../src/scope/use-cases.ts';

/** The YAML as the proxy reads it: parsed documents (no YAML problems expected). */
function parsePolicyYaml(text: string, name: string): EgressPolicy[] {
  const { parsed, problems } = parsePolicyTexts([{ name, text }]);
  expect(problems).toEqual([]);
  return parsed.map((d) => d.value as EgressPolicy);
}

/** keybrake's own validator: the one the proxy, `keybrake policy check` and the controller run. */
function validatePolicies(docs: EgressPolicy[]): string[] {
  return registryValidator()
    .check(docs.map((value, i) => ({ document: `policy[${i}]`, value })))
    .map(formatProblem);
}

function report(useCases: string[]): ScopeReport {
  const r = scopeReport({ useCases, permissions: [] });
  if (!r.ok) throw new Error(r.errors.join('; '));
  return r.report;
}

describe('generated EgressPolicy', () => {
  it.each(USE_CASES.map((u) => u.id))('%s validates, round-trips through YAML and allows exactly its operations', (id) => {
    const r = report([id]);
    const docs = parsePolicyYaml(r.policyYaml!, `scope ${id}`);
    expect(docs).toEqual([r.policy]);
    expect(validatePolicies(docs)).toEqual([]);
    const rules = docs[0]!.spec.vendors[0]!.rules!;
    expect(rules.flatMap((x) => x.allow).sort()).toEqual(operationsOf(USE_CASES.find((u) => u.id === id)!).sort());
  });

  it('all fourteen at once validate: rule and cap names stay unique', () => {
    const r = report(USE_CASES.map((u) => u.id));
    const docs = parsePolicyYaml(r.policyYaml!, 'scope all');
    expect(validatePolicies(docs)).toEqual([]);
    expect(docs[0]!.metadata.name).toBe('stripe-agent-14-use-cases');
    expect(docs[0]!.spec.vendors[0]!.caps![0]).toEqual({
      name: 'requests-per-minute',
      window: '1m',
      maxRequests: USE_CASES.reduce((n, u) => n + u.requestsPerMinute, 0),
    });
  });

  it('support refunds: refunds capped per day, amount at most 5000, a ticket id required', () => {
    const entry = report(['support-refunds']).policy!.spec.vendors[0]!;
    expect(entry.rules![0]).toEqual({
      name: 'partial-refunds-on-tickets',
      allow: ['refunds.create'],
      where: { amount: { max: 5000 }, 'metadata.ticket_id': { present: true } },
    });
    expect(entry.caps).toContainEqual({
      name: 'support-refunds-spend-per-day',
      window: '24h',
      maxSpend: { amount: '500.00', currency: 'usd' },
      operations: ['refunds.create'],
    });
    expect(entry.loopBrake).toEqual({ maxIdentical: 3, within: '60s' });
  });

  it('a read-only use case gets no loop brake; the validator would catch a broken policy', () => {
    const policy = report(['reporting']).policy!;
    expect(policy.spec.vendors[0]!.loopBrake).toBeUndefined();
    const broken = structuredClone(policy);
    broken.spec.vendors[0]!.rules![0]!.allow.push('refunds.creat');
    expect(validatePolicies([broken]).join('\n')).toMatch(/unknown stripe operation "refunds.creat"/);
  });
});
