// Who a call is counted for and how messages name it; shared by the steps
// that touch the ledger or explain a refusal.
import type { CallContext } from './context.ts';
import type { ChargeScope } from '../caps/windows.ts';

/** The credential (and agent run) a call's caps and loop brake are counted for. */
export function chargeScope(ctx: CallContext): ChargeScope {
  // credentialScope is set by the agent-key step; the fallback still keeps vendors of a policy apart.
  return { credential: ctx.credentialScope ?? `${ctx.vendor.policyName}/${ctx.vendor.pack.id}`, run: ctx.runId };
}

/** `stripe:refunds.create`, or the method and path when the pack does not know the operation. */
export function qualifiedOperation(ctx: CallContext): string {
  const id = ctx.operation?.id;
  return id ? `${ctx.vendor.pack.id}:${id}` : `${ctx.request.method} ${ctx.request.path}`;
}
