// A small vendor pack for policy tests: a few operations, one host, and a
// validateEntry that checks one vendor-specific field. Wire-level methods are
// minimal; policy code never calls them.
import type { Operation, VendorPack } from '../../src/vendors/pack.ts';
import { validateUnitPrices } from '../../src/vendors/unit-prices.ts';
import type { EgressPolicy } from '../../src/policy/schema.ts';
import { PolicyValidator } from '../../src/policy/validator.ts';
import { policyFixture } from '../fixtures/policies.ts';

function fakePack(id: string, host: string): VendorPack {
  const operations = [
    { id: 'charges.create', method: 'POST', path: '/v1/charges', billable: true },
    { id: 'refunds.create', method: 'POST', path: '/v1/refunds', billable: true },
    { id: 'customers.retrieve', method: 'GET', path: '/v1/customers/{id}', billable: false },
  ];
  return {
    id,
    hosts: [host],
    operations,
    identify(method, path): Operation {
      const op = operations.find((o) => o.method === method && o.path === path);
      return { id: op?.id ?? '', billable: op?.billable ?? false, params: {} };
    },
    parse: (req) => ({ ok: true, body: JSON.parse(req.body.toString() || '{}') }),
    presentedKey: (headers) => (headers.authorization ? { key: headers.authorization.replace(/^Bearer /, '') } : undefined),
    applyCredential: (headers, secret) => ({ ok: true, headers: { ...headers, authorization: `Bearer ${secret}` } }),
    estimateCost: () => ({ kind: 'free' }),
    loopFingerprint: (_op, body) => [body.amount],
    responseRequestId: (headers) => headers['request-id'],
    errorResponse: (refusal) => ({ status: refusal.status, headers: {}, body: JSON.stringify({ error: refusal.message }) }),
    validateEntry: (entry) => validateUnitPrices(entry.unitPrices, ['sms'], { byCountry: false }),
  };
}

export const fakePay = fakePack('fakepay', 'api.fakepay.test');
export const fakeMail = fakePack('fakemail', 'api.fakemail.test');
export const FAKE_VENDORS = [fakePay.id, fakeMail.id];

export function fakePacks(id: string): VendorPack | undefined {
  return [fakePay, fakeMail].find((p) => p.id === id);
}

/** The validator policy tests use: the fake packs are its only vendors. */
export const fakeValidator = new PolicyValidator({ packs: fakePacks, vendorIds: FAKE_VENDORS });

export const KEY_HASH = 'a'.repeat(64);

/** A valid policy (test/fixtures/policies/fakepay-base.yaml); tests copy it and break one field at a time. */
export function basePolicy(name = 'support-refunds'): EgressPolicy {
  const policy = policyFixture('fakepay-base.yaml');
  policy.metadata.name = name;
  return policy;
}
