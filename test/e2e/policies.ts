// Policy documents shared by the end-to-end tests.
export function stripePolicy(sha256: string, extra = ''): string {
  return `apiVersion: keybrake.dev/v1alpha1
kind: EgressPolicy
metadata:
  name: support-refunds
  namespace: agents
  annotations: {keybrake.dev/use-case: support}
spec:
  enforcement: enforce
  vendors:
    - vendor: stripe
      credential: {secretRef: {name: stripe-live, key: apiKey}}
      agentKeys: [{id: support-1, sha256: "${sha256}"}]
      rules:
        - name: partial-refunds-on-tickets
          allow: [refunds.create]
          where:
            amount: {max: 5000}
            metadata.ticket_id: {present: true}
        - name: read-customers
          allow: [customers.list, charges.retrieve]
${extra}`;
}

export { REAL_STRIPE_KEY } from '../helpers/stripe-fixture.ts';
