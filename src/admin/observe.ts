// After each call: metrics and the per-decision counts /status shows.
import type { CallContext } from '../pipeline/context.ts';
import type { ProxyMetrics } from './metrics.ts';
import type { CompiledPolicy, CompiledVendor } from '../policy/compiled.ts';
import type { Ledger } from '../ledger/ledger.ts';
import type { Logger } from 'pino';
import { decisionOf } from '../pipeline/audit.ts';
import { capStatus } from '../caps/usage.ts';
import { credentialScopeOf } from '../pipeline/agent-key.ts';

export function observeCall(ctx: CallContext, metrics: ProxyMetrics, counts: Record<string, number>): void {
  const decision = decisionOf(ctx);
  counts[decision] = (counts[decision] ?? 0) + 1;
  metrics.recordRequest({
    vendor: ctx.vendor.pack.id,
    operation: ctx.operation?.id ?? '',
    decision,
    policy: ctx.vendor.policyName,
    bodyBytes: ctx.request.body.length,
    upstreamSeconds: ctx.upstream?.seconds,
    totalSeconds: Number(process.hrtime.bigint() - ctx.startNs) / 1e9,
  });
  // Spend: what settle committed; without caps (no reservation), the estimate of a 2xx call.
  const ok = ctx.upstream !== undefined && ctx.upstream.status >= 200 && ctx.upstream.status < 300;
  const spent = ctx.committed ?? (ok ? ctx.amount : undefined);
  if (spent) metrics.recordSpend(ctx.vendor.pack.id, ctx.vendor.policyName, spent.currency, spent.amount);
}

/** Before a scrape: each cap's usage for its credential (per-run caps: the no-run bucket). */
export async function refreshCapUsage(metrics: ProxyMetrics, policy: CompiledPolicy, ledger: Ledger, now: number, log: Logger): Promise<void> {
  for (const vendor of new Set<CompiledVendor>(policy.byHost.values())) {
    try {
      const usage = await capStatus(vendor, { credential: credentialScopeOf(vendor) }, ledger, now);
      // capStatus answers one usage per cap, in the caps' order.
      vendor.caps.forEach((cap, i) => {
        const u = usage[i];
        if (u) metrics.setCapUsage(vendor, cap, u.used);
      });
    } catch (err) {
      metrics.ledgerError();
      log.warn({ err }, 'cap usage unavailable for metrics');
    }
  }
}
