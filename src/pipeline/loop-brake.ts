// Step 7: the loop brake. An agent stuck repeating the same charge sends the
// same operation with the same significant fields again and again; more than
// `maxIdentical` of them within `within` is refused. Attempts are counted by
// Idempotency-Key when there is one, so an SDK retrying one call counts once,
// while a fresh key for the same body is a new attempt. Only billable calls are
// braked: an agent polling a read is not spending.
import { createHash } from 'node:crypto';
import type { Step } from './context.ts';
import { policyRefusal } from './context.ts';
import { hashTag } from '../caps/windows.ts';
import { onLedgerFailure } from './ledger-failure.ts';
import { chargeScope, qualifiedOperation } from './call-scope.ts';
import { refuse } from '../refusal/catalog.ts';

export const loopBrake: Step = async (ctx, services) => {
  const brake = ctx.vendor.loopBrake;
  if (!brake || !ctx.operation?.billable || !ctx.body) return undefined;
  const { credential } = chargeScope(ctx);
  const fingerprint = createHash('sha256')
    .update(JSON.stringify([credential, ctx.operation.id, ctx.vendor.pack.loopFingerprint(ctx.operation, ctx.body)]))
    .digest('hex');
  let count: number;
  try {
    count = await services.ledger.countIdentical(
      `${hashTag(credential)}:loop:${fingerprint}`,
      ctx.idempotencyKey ?? ctx.id,
      brake.withinMs,
      services.clock.now(),
    );
  } catch (err) {
    return onLedgerFailure(ctx, services, 'loop-brake', err);
  }
  if (count <= brake.maxIdentical) return undefined;
  const within = ctx.vendor.entry.loopBrake?.within ?? `${brake.withinMs}ms`; // as the policy wrote it
  return policyRefusal(ctx, refuse('loopBrake', { count, operation: qualifiedOperation(ctx), within, max: brake.maxIdentical }));
};
