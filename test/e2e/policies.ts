// Policy documents shared by the end-to-end tests: one builder for a single
// Stripe vendor entry, and the usual support-refunds policy built with it.

export interface StripeDocOptions {
  name?: string;
  namespace?: string;
  agentKeyId?: string;
  /** Extra lines under `spec:` (two-space indent), e.g. `  killed: true`. */
  spec?: string[];
  /** YAML flow mappings, one per cap. */
  caps?: string[];
  fx?: string;
  loopBrake?: string;
  /** The rules, as YAML list items indented for `rules:` (8 spaces). */
  rules: string;
}

export function stripeDoc(sha256: string, o: StripeDocOptions): string {
  const lines = [
    'apiVersion: keybrake.dev/v1alpha1',
    'kind: EgressPolicy',
    'metadata:',
    `  name: ${o.name ?? 'support-refunds'}`,
    `  namespace: ${o.namespace ?? 'agents'}`,
    '  annotations: {keybrake.dev/use-case: support}',
    'spec:',
    '  enforcement: enforce',
    ...(o.spec ?? []),
    '  vendors:',
    '    - vendor: stripe',
    '      credential: {secretRef: {name: stripe-live, key: apiKey}}',
    `      agentKeys: [{id: ${o.agentKeyId ?? 'support-1'}, sha256: "${sha256}"}]`,
    ...(o.caps?.length ? ['      caps:', ...o.caps.map((c) => `        - ${c}`)] : []),
    ...(o.fx ? [`      fx: ${o.fx}`] : []),
    ...(o.loopBrake ? [`      loopBrake: ${o.loopBrake}`] : []),
    '      rules:',
  ];
  return `${lines.join('\n')}\n${o.rules}`;
}

const SUPPORT_RULES = `        - name: partial-refunds-on-tickets
          allow: [refunds.create]
          where:
            amount: {max: 5000}
            metadata.ticket_id: {present: true}
        - name: read-customers
          allow: [customers.list, charges.retrieve]
`;

/** Partial refunds on tickets and two reads; `extraRules` appends rules, `spec` adds spec lines. */
export function stripePolicy(sha256: string, extraRules = '', spec: string[] = []): string {
  return stripeDoc(sha256, { rules: SUPPORT_RULES + extraRules, spec });
}

export { REAL_STRIPE_KEY } from '../helpers/stripe-fixture.ts';
