// What a step does when the ledger cannot answer: a money-moving call is
// refused (nothing is forwarded that could not be counted); a read goes on
// without caps. Shared by the loop brake and the reserve step.
import type { Refusal } from '../vendors/pack.ts';
import type { CallContext, Services } from './context.ts';
import { policyRefusal } from './context.ts';
import { qualifiedOperation } from './call-scope.ts';
import { refuse } from '../refusal/catalog.ts';

export function onLedgerFailure(ctx: CallContext, services: Services, step: string, err: unknown): Refusal | undefined {
  const billable = ctx.operation?.billable === true;
  services.onLedgerError?.();
  services.log.error(
    { err, requestId: ctx.id, step, ledger: services.ledger.name, operation: ctx.operation?.id, billable },
    billable ? 'ledger unavailable: refusing a billable call' : 'ledger unavailable: non-billable call goes on without caps',
  );
  if (!billable) return undefined;
  return policyRefusal(ctx, refuse('ledgerUnavailable', services.ledger.name, qualifiedOperation(ctx)));
}
