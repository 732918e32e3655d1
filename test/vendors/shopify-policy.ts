// A Shopify EgressPolicy document for validation tests: `entries` vendor
// entries, each naming the same shops.
import { parse } from 'yaml';
import type { EgressPolicy } from '../../src/policy/schema.ts';

export function parseYamlPolicy(shops: string[], shopCurrency: string, entries = 1): EgressPolicy {
  const entry = (i: number) => `    - vendor: shopify
      shops: [${shops.join(', ')}]
      shopCurrency: ${shopCurrency}
      credential: {secretRef: {name: shopify-acme-${i}, key: token}}
      agentKeys: [{id: agent-${i}, sha256: "${String(i).repeat(64)}"}]
      rules: [{name: gifts, allow: [giftCardCreate]}]
`;
  return parse(`apiVersion: keybrake.dev/v1alpha1
kind: EgressPolicy
metadata: {name: shop-agent}
spec:
  vendors:
${Array.from({ length: entries }, (_, i) => entry(i)).join('')}`) as EgressPolicy;
}
