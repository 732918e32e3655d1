// Minimal compiled-policy objects for metrics tests (only the fields ProxyMetrics
// reads are real), and a ProxyMetrics with a sample in every series family.
import { ProxyMetrics } from '../../src/admin/metrics.ts';
import type { CompiledCap, CompiledPolicy, CompiledVendor } from '../../src/policy/compiled.ts';
import type { VendorPack } from '../../src/vendors/pack.ts';

export function fakeVendor(opts: { vendor: string; policy: string; operations: string[]; caps?: CompiledCap[] }): CompiledVendor {
  const pack = {
    id: opts.vendor,
    operations: opts.operations.map((id) => ({ id, method: 'POST', path: `/v1/${id}`, billable: true })),
  } as unknown as VendorPack;
  return { policyName: opts.policy, pack, caps: opts.caps ?? [] } as unknown as CompiledVendor;
}

export function spendCap(name: string, amount: number, currency: string): CompiledCap {
  return { id: name, name, window: { kind: 'rolling', ms: 86_400_000, label: '24h' }, limit: { kind: 'spend', amount, currency }, per: 'key' };
}

export function requestCap(name: string, count: number): CompiledCap {
  return { id: name, name, window: { kind: 'rolling', ms: 60_000, label: '1m' }, limit: { kind: 'requests', count }, per: 'key' };
}

export function fakePolicy(generation: number, vendors: CompiledVendor[]): CompiledPolicy {
  const byHost = new Map(vendors.map((v, i) => [`host${i}.example`, v]));
  return { generation, byHost } as unknown as CompiledPolicy;
}

export const stripe = fakeVendor({
  vendor: 'stripe',
  policy: 'support-refunds',
  operations: ['charges.create', 'refunds.create'],
  caps: [spendCap('24h stripe spend', 50_000, 'usd'), requestCap('1m stripe requests', 30)],
});

/** A ProxyMetrics in which every keybrake_* family has at least one sample. */
export function populatedMetrics(): ProxyMetrics {
  const m = new ProxyMetrics();
  m.policyLoaded(fakePolicy(3, [stripe]));
  m.recordRequest({ vendor: 'stripe', policy: 'support-refunds', operation: 'charges.create', decision: 'allowed', bodyBytes: 120, upstreamSeconds: 0.08 });
  m.recordRequest({ vendor: 'stripe', policy: 'support-refunds', operation: 'refunds.create', decision: 'denied', bodyBytes: 90 });
  m.recordSpend('stripe', 'support-refunds', 'usd', 4_000);
  m.setCapUsage(stripe, stripe.caps[0]!, 48_000);
  m.setKilled('alertmanager');
  m.policyReloadFailed();
  m.ledgerError();
  m.watchAudit(() => ({ sqlite: { queued: 2, dropped: 1, spooled: 0, errors: 0 } }));
  m.watchCertificates(() => ({
    caNotAfter: new Date('2030-01-01T00:00:00Z'),
    leaves: [{ host: 'api.stripe.com', notAfter: new Date('2027-01-01T00:00:00Z') }],
  }));
  return m;
}
