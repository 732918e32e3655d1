// EgressPolicy objects for the control-plane tests, as the API server stores them.
import { parse } from 'yaml';
import { stripeDoc } from '../e2e/policies.ts';

export const RULES = `        - name: small-refunds
          allow: [refunds.create]
          where:
            amount: {max: 5000}
        - name: read-customers
          allow: [customers.list]
`;

/** A Stripe policy selecting `app=<app>`: refunds up to `max` cents, customer reads. */
export function policyObject(sha256: string, o: { name?: string; namespace?: string; app?: string; max?: number; spec?: string[] } = {}): Record<string, any> {
  const doc = parse(
    stripeDoc(sha256, {
      name: o.name ?? 'refunds',
      namespace: o.namespace ?? 'agents',
      spec: o.spec,
      rules: RULES,
    }),
  );
  doc.spec.selector = { matchLabels: { app: o.app ?? 'support' } };
  if (o.max !== undefined) doc.spec.vendors[0].rules[0].where.amount.max = o.max;
  return doc;
}
