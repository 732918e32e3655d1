// The bench policy (test/fixtures/policies/bench-ten-rules.yaml): one Stripe
// entry with an agent key and ten allow rules with where-constraints, one of
// them with CEL. The bench request (charges.create, USD, a customer, an order
// id) is covered by three rules and passes only the tenth, so the rules step
// does real work: two near misses, then a match.
import { newAgentKey } from '../../src/commands/keys.ts';
import { policyFixture, policyYaml } from '../fixtures/policies.ts';

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
  const doc = policyFixture('bench-ten-rules.yaml');
  const entry = doc.spec.vendors[0]!;
  entry.agentKeys[0]!.sha256 = agentKeySha256;
  // The fixture has both caps: keep both, the spend cap alone, or none.
  if (!o.caps && o.spendCap) entry.caps = entry.caps!.filter((c) => c.name === 'daily-spend');
  if (!o.caps && !o.spendCap) delete entry.caps;
  return policyYaml(doc);
}
