// After each call: metrics and the per-decision counts /status shows.
import type { CallContext } from '../pipeline/context.ts';
import type { ProxyMetrics } from '../admin/metrics.ts';
import { decisionOf } from '../pipeline/audit.ts';

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
  });
  const committed = ctx.upstream && ctx.upstream.status >= 200 && ctx.upstream.status < 300 && ctx.amount;
  if (committed && ctx.amount) metrics.recordSpend(ctx.vendor.pack.id, ctx.vendor.policyName, ctx.amount.currency, ctx.amount.amount);
}
