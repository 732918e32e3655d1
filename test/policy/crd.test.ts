// The CRD file is generated from the one schema, is structural, validates as a
// CustomResourceDefinition, and its CEL rules accept good policies and refuse bad ones.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CustomResourceDefinition } from 'kubernetes-models/apiextensions.k8s.io/v1';
import { renderCrdYaml } from '../../src/commands/crd-yaml.ts';
import { CRD_FILE } from '../../src/policy/crd.ts';
import { ruleProblems } from '../../src/policy/schema-rules.ts';
import { policyFixture } from '../fixtures/policies.ts';

type Node = Record<string, any>;

const committed = fs.readFileSync(path.resolve(import.meta.dirname, '../..', CRD_FILE), 'utf8');
const crd = parse(committed) as Node;
const version = crd.spec.versions[0];
const root = version.schema.openAPIV3Schema as Node;

/** Every schema node with its path, depth first. */
function nodes(node: Node, at = ''): Array<[string, Node]> {
  const out: Array<[string, Node]> = [[at, node]];
  for (const [k, v] of Object.entries((node.properties ?? {}) as Record<string, Node>)) out.push(...nodes(v, `${at}.${k}`));
  if (node.items) out.push(...nodes(node.items, `${at}[]`));
  if (typeof node.additionalProperties === 'object') out.push(...nodes(node.additionalProperties, `${at}{}`));
  return out;
}

describe('deploy/crds/egresspolicies.keybrake.dev.yaml', () => {
  it('is what `npm run gen:crd` writes from the schema today (run it after changing the schema)', () => {
    expect(committed).toBe(renderCrdYaml());
  });

  it('validates as a CustomResourceDefinition (kubernetes-models)', () => {
    expect(() => new CustomResourceDefinition(crd as never).validate()).not.toThrow();
  });

  it('names, scope, short name, status subresource and printer columns', () => {
    expect(crd.metadata.name).toBe('egresspolicies.keybrake.dev');
    expect(crd.spec).toMatchObject({
      group: 'keybrake.dev',
      scope: 'Namespaced',
      names: { kind: 'EgressPolicy', plural: 'egresspolicies', singular: 'egresspolicy', shortNames: ['egp'] },
    });
    expect(version).toMatchObject({ name: 'v1alpha1', served: true, storage: true, subresources: { status: {} } });
    expect(version.additionalPrinterColumns.map((c: Node) => c.name)).toEqual(['Enforcement', 'Killed', 'Vendors', 'Ready', 'Age']);
    expect(root.properties.spec.properties.killReason).toMatchObject({ type: 'string' });
    expect(Object.keys(root.properties.status.properties)).toEqual([
      'conditions',
      'observedGeneration',
      'matchedPods',
      'killedBy',
      'killedAt',
      'killReason',
      'configMapGeneration',
      'kill',
    ]);
    expect(root.properties.status.properties.conditions.items.required).toEqual(['type', 'status', 'lastTransitionTime', 'reason', 'message']);
  });

  it('is structural: every node typed; no additionalProperties: false, $ref, patternProperties, const or unions', () => {
    const text = JSON.stringify(root);
    for (const banned of ['"additionalProperties":false', '"$ref"', '"patternProperties"', '"const"', '"anyOf"', '"oneOf"', '"allOf"', '"$schema"']) {
      expect(text).not.toContain(banned);
    }
    const untyped = nodes(root)
      .filter(([, n]) => !n.type && n['x-kubernetes-int-or-string'] !== true)
      .map(([p]) => p);
    expect(untyped).toEqual([]);
  });

  it('bounds every string, list and map so CEL rules fit the API server cost budget', () => {
    const spec = nodes(root.properties.spec, 'spec');
    const unbounded = spec.filter(
      ([, n]) =>
        (n.type === 'string' && n.maxLength === undefined && n.enum === undefined) ||
        (n.type === 'array' && n.maxItems === undefined) ||
        (n.type === 'object' && typeof n.additionalProperties === 'object' && n.maxProperties === undefined),
    );
    expect(unbounded.map(([p]) => p)).toEqual([]);
  });
});

describe('the CRD CEL rules (evaluated with @bufbuild/cel)', () => {
  const specRules = (spec: unknown) => ruleProblems(root.properties.spec, spec).map((p) => `${p.path}: ${p.message}`);
  const good = () => policyFixture('stripe-refunds.yaml').spec as Node;

  it('the CRD carries exactly these rules, and each is exercised below', () => {
    const rules = nodes(root).flatMap(([p, n]) => ((n['x-kubernetes-validations'] ?? []) as Node[]).map((r) => `${p}: ${r.rule}`));
    expect(rules.map((r) => r.split(':')[0])).toEqual([
      '.spec.vendors[].vendor',
      '.spec.vendors[].agentKeys',
      '.spec.vendors[].agentKeys',
      '.spec.vendors[].caps',
      '.spec.vendors[].caps[]',
      '.spec.vendors[].caps[].window',
      '.spec.vendors[].caps[].maxSpend.amount',
      '.spec.vendors[].fx',
      '.spec.vendors[].loopBrake.within',
      '.spec.vendors[].rules',
      '.spec.vendors[].unitPrices.default',
      '.spec.vendors[].unitPrices.byCountry{}',
    ]);
  });

  it('accept a good policy', () => {
    expect(specRules(good())).toEqual([]);
  });

  const cases: Array<[string, (s: Node) => void, string[]]> = [
    [
      'unknown vendor',
      (s) => (s.vendors[0].vendor = 'strype'),
      ['vendors[0].vendor: unknown vendor "strype"; valid vendors: stripe, twilio, resend, postmark, shopify'],
    ],
    [
      'duplicate agent key id',
      (s) => s.vendors[0].agentKeys.push({ id: 'support-1', sha256: 'b'.repeat(64) }),
      ['vendors[0].agentKeys: agent key ids must be unique within the list'],
    ],
    [
      'duplicate agent key hash',
      (s) => s.vendors[0].agentKeys.push({ id: 'support-2', sha256: s.vendors[0].agentKeys[0].sha256 }),
      ['vendors[0].agentKeys: agent key hashes must be unique within the list'],
    ],
    [
      'duplicate cap name',
      (s) => s.vendors[0].caps.push({ name: 'per-minute', window: '1h', maxRequests: 1 }),
      ['vendors[0].caps: cap names must be unique within the list'],
    ],
    [
      'unnamed caps never collide here (the validator names their defaults)',
      (s) => s.vendors[0].caps.push({ window: '1h', maxRequests: 1 }, { window: '1h', maxRequests: 2 }),
      [],
    ],
    ['no limit', (s) => delete s.vendors[0].caps[2].maxRequests, ['vendors[0].caps[2]: needs exactly one of maxSpend, maxRequests, maxUnits']],
    [
      'two limits',
      (s) => (s.vendors[0].caps[2].maxUnits = { count: 1, unit: 'emails' }),
      ['vendors[0].caps[2]: needs exactly one of maxSpend, maxRequests, maxUnits'],
    ],
    [
      'window',
      (s) => (s.vendors[0].caps[0].window = '1.5h'),
      ['vendors[0].caps[0].window: must be a duration (1m, 1h, 24h, 7d) or a calendar period (day, week, month)'],
    ],
    [
      'amount',
      (s) => (s.vendors[0].caps[0].maxSpend.amount = '1,000'),
      ['vendors[0].caps[0].maxSpend.amount: must be a quoted non-negative decimal like "500.00" (no sign, exponent or thousands separator)'],
    ],
    ['fx rate', (s) => (s.vendors[0].fx = { eur: '1.08', gbp: '-1' }), ['vendors[0].fx: every value must be a quoted non-negative decimal like "1.08"']],
    [
      'loop brake window',
      (s) => (s.vendors[0].loopBrake.within = '1 minute'),
      ['vendors[0].loopBrake.within: must be a duration: a positive whole number and a unit ms, s, m, h or d (500ms, 60s, 5m, 1h)'],
    ],
    [
      'duplicate rule name',
      (s) => s.vendors[0].rules.push({ name: 'read-only', allow: ['charges.list'] }),
      ['vendors[0].rules: rule names must be unique within the list'],
    ],
    [
      'unit price',
      (s) => (s.vendors[0].unitPrices = { currency: 'usd', default: { sms: '0.0079', mms: 'free' } }),
      ['vendors[0].unitPrices.default: every value must be a quoted non-negative decimal like "1.08"'],
    ],
    [
      'unit price by country',
      (s) => (s.vendors[0].unitPrices = { currency: 'usd', byCountry: { '+44': { sms: '1e-2' } } }),
      ['vendors[0].unitPrices.byCountry["+44"]: every value must be a quoted non-negative decimal like "1.08"'],
    ],
  ];
  it.each(cases)('refuse: %s', (_name, mutate, expected) => {
    const spec = good();
    mutate(spec);
    expect(specRules(spec)).toEqual(expected);
  });

  it.each([['1m'], ['24h'], ['7d'], ['500ms'], ['day'], ['week'], ['month']])('accept window %s', (window) => {
    const spec = good();
    spec.vendors[0].caps[0].window = window;
    expect(specRules(spec)).toEqual([]);
  });

  it.each([['0s'], ['10'], ['1w'], ['-1h'], ['1.5h'], ['24 h'], ['Day'], ['']])('refuse window %j', (window) => {
    const spec = good();
    spec.vendors[0].caps[0].window = window;
    expect(specRules(spec)).toHaveLength(1);
  });

  it.each([['0'], ['12'], ['12.5'], ['500.00']])('accept amount %s', (amount) => {
    const spec = good();
    spec.vendors[0].caps[0].maxSpend.amount = amount;
    expect(specRules(spec)).toEqual([]);
  });

  it.each([['012'], ['-1'], ['1e3'], ['1,000'], ['.5'], ['5.'], ['']])('refuse amount %j', (amount) => {
    const spec = good();
    spec.vendors[0].caps[0].maxSpend.amount = amount;
    expect(specRules(spec)).toHaveLength(1);
  });
});
