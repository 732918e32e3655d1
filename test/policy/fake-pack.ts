// A small vendor pack for policy tests: a few operations, one host, and a
// validateEntry that checks one vendor-specific field. Wire-level methods are
// minimal; policy code never calls them.
import type { Operation, VendorPack } from '../../src/vendors/pack.ts';
import type { EgressPolicy } from '../../src/policy/schema.ts';

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
    validateEntry(entry) {
      const minutes = entry.maxCallMinutes;
      return minutes === undefined || (Number.isInteger(minutes) && minutes > 0)
        ? []
        : [`maxCallMinutes: must be a positive whole number, found ${JSON.stringify(minutes)}`];
    },
  };
}

export const fakePay = fakePack('fakepay', 'api.fakepay.test');
export const fakeMail = fakePack('fakemail', 'api.fakemail.test');
export const FAKE_VENDORS = [fakePay.id, fakeMail.id];

export function fakePacks(id: string): VendorPack | undefined {
  return [fakePay, fakeMail].find((p) => p.id === id);
}

export const KEY_HASH = 'a'.repeat(64);

/** A valid policy; tests copy it and break one field at a time. */
export function basePolicy(name = 'support-refunds'): EgressPolicy {
  return {
    apiVersion: 'keybrake.dev/v1alpha1',
    kind: 'EgressPolicy',
    metadata: { name, namespace: 'agents' },
    spec: {
      enforcement: 'enforce',
      passthrough: ['api.openai.com', '*.example.org'],
      vendors: [
        {
          vendor: 'fakepay',
          credential: { secretRef: { name: 'fakepay-live', key: 'apiKey' } },
          agentKeys: [{ id: 'support-1', sha256: KEY_HASH }],
          caps: [
            { window: '24h', maxSpend: { amount: '500.00', currency: 'usd' } },
            { window: '1m', maxRequests: 30 },
          ],
          fx: { eur: '1.08' },
          loopBrake: { maxIdentical: 3, within: '60s' },
          rules: [
            {
              name: 'partial-refunds-on-tickets',
              allow: ['refunds.create'],
              where: {
                amount: { max: 5000 },
                'metadata.ticket_id': { present: true },
                customer: { in: ['cus_A', 'cus_B'] },
              },
            },
          ],
        },
      ],
    },
  };
}
