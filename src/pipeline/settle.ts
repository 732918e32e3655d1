// Step 11, after forwarding: turn the reservation into what really happened.
// 2xx commits the amount the response object says moved (converted per cap;
// the estimate stands where the response does not say); 4xx/5xx releases;
// an unknown outcome (timeout, reset, kill) keeps the hold, which becomes a
// committed charge. Never throws: the response has already been sent.
import type { Settlement } from '../ledger/ledger.ts';
import type { CallContext, PlannedCharge, Services } from './context.ts';
import type { Hold } from './reserve.ts';
import { inCapCurrency } from './cap-charges.ts';

/** Settles `hold` from the call's outcome; `override` settles it as given (a refused call releases). */
export async function settle(ctx: CallContext, hold: Hold, services: Services, override?: Settlement): Promise<void> {
  try {
    const settlement = override ?? settlementFor(ctx, hold);
    await services.ledger.settle(hold.requestId, settlement, services.clock.now());
  } catch (err) {
    services.onLedgerError?.();
    services.log.error({ err, requestId: ctx.id, ledger: services.ledger.name }, 'settle failed: the hold stays counted');
  }
}

function settlementFor(ctx: CallContext, hold: Hold): Settlement {
  const upstream = ctx.upstream;
  // No result at all is as unknown as a reset: keeping over-counts, releasing could under-count.
  if (!upstream || upstream.error !== undefined) return { kind: 'keep' };
  if (upstream.status < 200 || upstream.status > 299) return { kind: 'release' };
  if (nothingHappened(ctx)) return { kind: 'release' };
  const actual = actualAmount(ctx);
  ctx.committed = actual ?? ctx.amount;
  return { kind: 'commit', amounts: hold.charges.map((p) => committedAmount(ctx, p, actual)) };
}

/** What the response object says moved, in the request's currency; undefined keeps the estimate. */
function actualAmount(ctx: CallContext): { amount: number; currency: string } | undefined {
  const { pack } = ctx.vendor;
  if (!pack.settledAmount || !ctx.operation || !ctx.cost || ctx.upstream?.json === undefined) return undefined;
  const actual = pack.settledAmount(ctx.operation, ctx.upstream.json, ctx.cost, ctx.body);
  return actual && Number.isSafeInteger(actual.amount) && actual.amount >= 0 ? actual : undefined;
}

/** The vendor answered 2xx but says nothing was done (GraphQL userErrors): as good as a 4xx. */
function nothingHappened(ctx: CallContext): boolean {
  const { pack } = ctx.vendor;
  return !!pack.nothingHappened && !!ctx.operation && ctx.upstream?.json !== undefined && pack.nothingHappened(ctx.operation, ctx.upstream.json, ctx.body);
}

function committedAmount(ctx: CallContext, planned: PlannedCharge, actual: { amount: number; currency: string } | undefined): number {
  const { cap, charge } = planned;
  if (cap.limit.kind !== 'spend' || !actual) return charge.amount; // request and unit caps keep their count
  const converted = inCapCurrency(ctx.vendor, cap.limit.currency, actual);
  return converted.ok ? converted.amount : charge.amount;
}
