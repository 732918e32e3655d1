// Policy documents shared by the end-to-end tests: the usual support-refunds
// policy is a YAML fixture (test/fixtures/policies/stripe-support.yaml); a test
// changes it as data (its own rules, caps, spec fields, each written in YAML)
// and gets the document back as YAML text, as a user's file would be.
import { parse, stringify } from 'yaml';
import { policyFixture } from '../fixtures/policies.ts';

export interface StripeDocOptions {
  name?: string;
  namespace?: string;
  agentKeyId?: string;
  /** Extra `spec:` fields, each a line of YAML, e.g. `  killed: true`. */
  spec?: string[];
  /** YAML flow mappings, one per cap. */
  caps?: string[];
  fx?: string;
  loopBrake?: string;
  /** The rules, as a YAML list; default: the fixture's support rules. */
  rules?: string;
  /** More rules (a YAML list) after those. */
  extraRules?: string;
}

/** The usual spend cap: $500 a rolling day. */
export const SPEND_500 = '{window: 24h, maxSpend: {amount: "500.00", currency: usd}}';

export function stripeDoc(sha256: string, o: StripeDocOptions = {}): string {
  const doc = policyFixture('stripe-support.yaml');
  doc.metadata.name = o.name ?? doc.metadata.name;
  doc.metadata.namespace = o.namespace ?? doc.metadata.namespace;
  Object.assign(doc.spec, ...(o.spec ?? []).map((line) => parse(line) as object));
  const entry = doc.spec.vendors[0]!;
  entry.agentKeys = [{ id: o.agentKeyId ?? 'support-1', sha256 }];
  if (o.caps?.length) entry.caps = o.caps.map((c) => parse(c));
  if (o.fx) entry.fx = parse(o.fx);
  if (o.loopBrake) entry.loopBrake = parse(o.loopBrake);
  const rules = o.rules === undefined ? (entry.rules ?? []) : ((parse(o.rules) as typeof entry.rules) ?? []);
  entry.rules = [...rules, ...((parse(o.extraRules ?? '') as typeof entry.rules) ?? [])];
  return stringify(doc, { lineWidth: 0 });
}

/** Partial refunds on tickets and two reads; `extraRules` appends rules (a YAML list), `spec` adds spec fields. */
export function stripePolicy(sha256: string, extraRules = '', spec: string[] = []): string {
  return stripeDoc(sha256, { extraRules, spec });
}

export { REAL_STRIPE_KEY } from '../helpers/stripe-fixture.ts';
