// The bench policy: one Stripe entry with an agent key and ten allow rules with
// where-constraints, one of them with CEL. The bench request (charges.create,
// USD, a customer, an order id) is covered by three rules and passes only the
// tenth, so the rules step does real work: two near misses, then a match.
import { newAgentKey } from '../../src/commands/keys.ts';

export const REAL_STRIPE_KEY = 'sk_test_bench_real_key_never_sent_by_agent';
export const BENCH_SECRETS: Record<string, string> = { 'stripe-live/apiKey': REAL_STRIPE_KEY };

export interface BenchPolicyOptions {
  /** Two caps that never run out: a 24h spend cap and a per-day request count. */
  caps?: boolean;
  /** One 24h spend cap that never runs out (the "one spend cap"). */
  spendCap?: boolean;
}

export function benchAgentKey(): { key: string; sha256: string } {
  return newAgentKey();
}

export function tenRulePolicy(agentKeySha256: string, o: BenchPolicyOptions = {}): string {
  const caps = o.caps
    ? `
      caps:
        - {name: daily-spend, window: 24h, maxSpend: {amount: "100000000.00", currency: usd}}
        - {name: daily-calls, window: day, timeZone: Europe/Berlin, maxRequests: 1000000000}`
    : o.spendCap
      ? `
      caps:
        - {name: daily-spend, window: 24h, maxSpend: {amount: "100000000.00", currency: usd}}`
      : '';
  return `apiVersion: keybrake.dev/v1alpha1
kind: EgressPolicy
metadata:
  name: bench-commerce-agent
  namespace: agents
spec:
  enforcement: enforce
  vendors:
    - vendor: stripe
      credential: {secretRef: {name: stripe-live, key: apiKey}}
      agentKeys:
        - {id: bench-agent, sha256: "${agentKeySha256}"}
        - {id: retired-agent, sha256: "${'0'.repeat(64)}"}${caps}
      rules:
        - name: eu-charges
          allow: [charges.create]
          where: {currency: {in: [eur, gbp]}, amount: {max: 50000}}
        - name: small-anonymous-charges
          allow: [charges.create, payment_intents.create]
          where: {amount: {max: 500}, customer: {present: false}}
        - name: partial-refunds-on-tickets
          allow: [refunds.create]
          where: {amount: {max: 5000}, metadata.ticket_id: {present: true}}
        - name: confirm-known-intents
          allow: [payment_intents.confirm]
          where: {payment_method: {matches: "^pm_"}}
        - name: capture-small
          allow: [payment_intents.capture]
          where: {amount_to_capture: {max: 20000}}
        - name: no-payouts-to-new-accounts
          allow: [transfers.create]
          where: {destination: {notIn: [acct_blocked1, acct_blocked2]}, amount: {max: 10000}}
        - name: read-customers
          allow: [customers.list, charges.retrieve]
          where: {limit: {max: 100}}
        - name: connected-account-reads
          allow: [customers.retrieve]
          where: {"header:Stripe-Account": {matches: "^acct_"}}
        - name: invoices-of-known-customers
          allow: [invoices.pay]
          where: {paid_out_of_band: {in: ["false"]}}
        - name: usd-charges-for-orders
          allow: [charges.create]
          where:
            currency: {in: [usd]}
            amount: {min: 50, max: 100000}
            customer: {matches: "^cus_"}
            metadata.order_id: {present: true}
          cel: 'request.body.amount <= 100000 && request.body.metadata.order_id != "" && request.method == "POST"'
`;
}
