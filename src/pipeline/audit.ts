// Step 12: one audit record per call, whatever the outcome. Never the body,
// never a secret: selected fields and the body's hash.
import type { AuditRecord, Decision } from '../audit/record.ts';
import type { CallContext } from './context.ts';
import { KILLED_CODE } from './kill-check.ts';

export function decisionOf(ctx: CallContext): Decision {
  if (ctx.refusal) return ctx.refusal.code === KILLED_CODE ? 'killed' : 'denied';
  if (ctx.upstream?.error) return 'error';
  if (ctx.dryrunDenials.length > 0) return 'dryrun_denied';
  return 'allowed';
}

export function auditRecord(ctx: CallContext, where: { namespace?: string; pod?: string }): AuditRecord {
  const decision = decisionOf(ctx);
  const reason = ctx.refusal?.message ?? (ctx.dryrunDenials.map((r) => r.message).join('; ') || ctx.upstream?.error);
  const spendCharge = ctx.charges?.find((c) => c.cap.limit.kind === 'spend');
  return {
    eventId: ctx.id,
    time: ctx.receivedAt.toISOString(),
    namespace: ctx.vendor.policyNamespace ?? where.namespace,
    pod: where.pod,
    policy: ctx.vendor.policyName,
    useCase: ctx.vendor.useCase,
    runId: ctx.runId,
    vendor: ctx.vendor.pack.id,
    operation: ctx.operation?.id || undefined,
    method: ctx.request.method,
    host: ctx.host,
    path: ctx.request.path,
    decision,
    rule: ctx.rule,
    reason: reason || undefined,
    amount: ctx.amount?.amount,
    currency: ctx.amount?.currency,
    costCap: spendCharge?.charge.amount,
    capCurrency: spendCharge && spendCharge.cap.limit.kind === 'spend' ? spendCharge.cap.limit.currency : undefined,
    upstreamStatus: ctx.upstream && !ctx.upstream.error ? ctx.upstream.status : undefined,
    vendorRequestId: ctx.upstream?.requestId,
    latencyMs: Number(process.hrtime.bigint() - ctx.startNs) / 1e6,
    idempotencyKey: ctx.idempotencyKey,
    agentKeyId: ctx.agentKeyId,
    bodySha256: ctx.bodySha256,
  };
}
