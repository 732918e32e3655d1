// What a step does when the ledger cannot answer: a money-moving call is
// refused (nothing is forwarded that could not be counted); a read goes on
// without caps. Shared by the loop brake and the reserve step.
import type { Refusal } from '../vendors/pack.ts';
import type { CallContext, Services } from './context.ts';
import { policyRefusal } from './context.ts';
import { qualifiedOperation } from './call-scope.ts';

export const LEDGER_UNAVAILABLE_CODE = 'keybrake_ledger_unavailable';

export function onLedgerFailure(ctx: CallContext, services: Services, step: string, err: unknown): Refusal | undefined {
  const billable = ctx.operation?.billable === true;
  services.onLedgerError?.();
  services.log.error(
    { err, requestId: ctx.id, step, ledger: services.ledger.name, operation: ctx.operation?.id, billable },
    billable ? 'ledger unavailable: refusing a billable call' : 'ledger unavailable: non-billable call goes on without caps',
  );
  if (!billable) return undefined;
  return policyRefusal(ctx, {
    status: 403,
    code: LEDGER_UNAVAILABLE_CODE,
    message:
      `keybrake's spend ledger (${services.ledger.name}) is unavailable, so the spend of ${qualifiedOperation(ctx)} ` +
      'cannot be counted and the call was not forwarded. Nothing was charged; retry later.',
  });
}
