// Step 9: reserve the call's cost against every cap that counts it, atomically,
// all or nothing. A cap that would be exceeded refuses the call with the
// numbers; an SDK retry with the same Idempotency-Key maps to the first
// reservation and is not counted again.
import crypto from 'node:crypto';
import type { CompiledCap } from '../policy/compiled.ts';
import type { ReserveOutcome } from '../ledger/ledger.ts';
import type { Refusal } from '../vendors/pack.ts';
import type { CallContext, Step } from './context.ts';
import { policyRefusal } from './context.ts';
import { formatMinor } from '../money/money.ts';
import { planCharges } from './cap-charges.ts';
import { chargeScope, qualifiedOperation } from './call-scope.ts';
import { onLedgerFailure } from './ledger-failure.ts';

/**
 * What the ledger stores for an Idempotency-Key: a SHA-256 of the credential
 * scope and the key, never the key (agents put order numbers, emails, even
 * card numbers in it, and the ledger is not redacted like the audit).
 */
export function ledgerIdempotencyKey(credential: string, key: string | undefined): string | undefined {
  return key === undefined ? undefined : crypto.createHash('sha256').update(`${credential} ${key}`).digest('hex');
}

export const CAP_EXCEEDED_CODE = 'keybrake_cap_exceeded';
export const CURRENCY_CODE = 'keybrake_currency_unconvertible';

export const reserve: Step = async (ctx, services) => {
  const now = services.clock.now();
  const plan = planCharges(ctx, now);
  if (!plan.ok) return unconvertible(ctx, plan.cap, plan.reason);
  ctx.charges = plan.planned;
  if (plan.planned.length === 0) return undefined;

  let outcome: ReserveOutcome;
  try {
    outcome = await services.ledger.reserve({
      requestId: ctx.id,
      idempotencyKey: ledgerIdempotencyKey(chargeScope(ctx).credential, ctx.idempotencyKey),
      charges: plan.planned.map((p) => p.charge),
      now,
      holdMs: services.holdMs,
      dryRun: ctx.vendor.enforcement === 'dryrun',
    });
  } catch (err) {
    return onLedgerFailure(ctx, services, 'reserve', err);
  }
  if (outcome.ok) {
    // A duplicate holds nothing of its own: the first reservation is settled by its own call.
    ctx.reserved = outcome.duplicateOf === undefined;
    return undefined;
  }
  ctx.reserved = outcome.reserved;
  const { cap } = plan.planned[outcome.index];
  return policyRefusal(ctx, {
    status: 402,
    code: CAP_EXCEEDED_CODE,
    message:
      `${capExceededMessage(cap, outcome.used, outcome.requested, outcome.limit)}. ` +
      `${qualifiedOperation(ctx)} was not forwarded; do not retry it until the ${cap.window.label} window frees up, ` +
      'or ask an operator to raise the cap in the EgressPolicy.',
  });
};

/** "cap 24h stripe spend: $480.00 used + $40.00 requested > $500.00 limit" (counts print as numbers). */
export function capExceededMessage(cap: CompiledCap, used: number, requested: number, limit: number): string {
  const limitKind = cap.limit;
  const show = (n: number) => (limitKind.kind === 'spend' ? formatMinor(n, limitKind.currency) : String(n));
  return `cap ${cap.name}: ${show(used)} used + ${show(requested)} requested > ${show(limit)} limit`;
}

function unconvertible(ctx: CallContext, cap: CompiledCap, reason: string): Refusal | undefined {
  const currency = cap.limit.kind === 'spend' ? cap.limit.currency.toUpperCase() : '';
  return policyRefusal(ctx, {
    status: 402,
    code: CURRENCY_CODE,
    message:
      `cap ${cap.name} counts ${currency}, and this ${ctx.amount?.currency.toUpperCase()} amount cannot be converted: ${reason}. ` +
      `Charge in ${currency}, or ask an operator to add the currency to fx in the EgressPolicy.`,
  });
}
