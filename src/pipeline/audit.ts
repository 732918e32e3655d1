// Step 12: one audit record per call, whatever the outcome. Never the body,
// never a secret: selected fields and the body's hash.
import type { AuditRecord, Decision } from '../audit/record.ts';
import type { CallContext } from './context.ts';
import type { ParsedBody } from '../vendors/pack.ts';
import { isRefusal } from '../refusal/catalog.ts';
import { priceContext } from './cost.ts';

export function decisionOf(ctx: CallContext): Decision {
  if (ctx.refusal) return isRefusal(ctx.refusal, 'killed') ? 'killed' : 'denied';
  if (ctx.upstream?.error) return 'error';
  if (ctx.dryrunDenials.length > 0) return 'dryrun_denied';
  return 'allowed';
}

export function auditRecord(ctx: CallContext, where: { namespace?: string; pod?: string }): AuditRecord {
  const decision = decisionOf(ctx);
  const reason = ctx.refusal?.message ?? (ctx.dryrunDenials.map((r) => r.message).join('; ') || ctx.upstream?.error);
  const spendCharge = ctx.charges?.find((c) => c.cap.limit.kind === 'spend');
  const stated = ctx.amount ?? statedAmount(ctx);
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
    // The request line as sent, query included (redaction masks what must not be kept).
    path: ctx.request.query ? `${ctx.request.path}?${ctx.request.query}` : ctx.request.path,
    decision,
    rule: ctx.rule,
    reason: reason || undefined,
    amount: stated?.amount,
    currency: stated?.currency,
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

/**
 * A call refused before the cost step (a rule, the kill switch, the agent key)
 * still records the amount its body stated: the audit should show what was
 * attempted. Only the pack's pure parsing and pricing run here, never a lookup.
 * A killed call was refused before its body was parsed; the body is parsed
 * here for the record only, after the refusal was sent.
 */
function statedAmount(ctx: CallContext): { amount: number; currency?: string } | undefined {
  if (!ctx.operation) return undefined;
  try {
    const body = ctx.body ?? parsedForRecord(ctx);
    if (!body) return undefined;
    const e = ctx.vendor.pack.estimateCost(ctx.operation, body, priceContext(ctx), ctx.request);
    if (e.kind === 'amount') return { amount: e.amount, currency: e.currency.toLowerCase() };
    return e.kind === 'lookup' && e.stated !== undefined ? { amount: e.stated } : undefined;
  } catch {
    return undefined; // a body the pack cannot price: nothing stated
  }
}

function parsedForRecord(ctx: CallContext): ParsedBody | undefined {
  if (!ctx.operation || ctx.request.body.length === 0) return undefined;
  const parsed = ctx.vendor.pack.parse(ctx.request, ctx.operation);
  return parsed.ok ? parsed.body : undefined;
}
