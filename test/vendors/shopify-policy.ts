// A Shopify EgressPolicy document for validation tests
// (test/fixtures/policies/shopify-gifts.yaml): `entries` vendor entries, each
// naming the same shops, entry i with its own Secret and agent key.
import type { EgressPolicy } from '../../src/policy/schema.ts';
import { policyFixture } from '../fixtures/policies.ts';

export function parseYamlPolicy(shops: string[], shopCurrency: string, entries = 1): EgressPolicy {
  const doc = policyFixture('shopify-gifts.yaml');
  const template = doc.spec.vendors[0]!;
  doc.spec.vendors = Array.from({ length: entries }, (_, i) => ({
    ...structuredClone(template),
    shops,
    shopCurrency,
    credential: { secretRef: { name: `shopify-acme-${i}`, key: 'token' } },
    agentKeys: [{ id: `agent-${i}`, sha256: String(i).repeat(64) }],
  }));
  return doc;
}
