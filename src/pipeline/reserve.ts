// Step 9: reserve the call's cost against every cap that counts it, atomically,
// all or nothing. A cap that would be exceeded refuses the call with the
// numbers; an SDK retry with the same Idempotency-Key maps to the first
// reservation and is not counted again. The hold it returns is settled by
// hold.ts, the one layer that calls this.
import crypto from 'node:crypto';
import type { CompiledCap } from '../policy/compiled.ts';
import type { ReserveOutcome } from '../ledger/ledger.ts';
import type { Refusal } from '../vendors/pack.ts';
import type { CallContext, PlannedCharge, Services } from './context.ts';
import { policyRefusal } from './context.ts';
import { formatMinor } from '../money/money.ts';
import { planCharges } from './cap-charges.ts';
import { chargeScope, qualifiedOperation } from './call-scope.ts';
import { onLedgerFailure } from './ledger-failure.ts';
import { refuse } from '../refusal/catalog.ts';

/**
 * What the ledger stores for an Idempotency-Key: a SHA-256 of the credential
 * scope and the key, never the key (agents put order numbers, emails, even
 * card numbers in it, and the ledger is not redacted like the audit).
 */
export function ledgerIdempotencyKey(credential: string, key: string | undefined): string | undefined {
  return key === undefined ? undefined : crypto.createHash('sha256').update(`${credential} ${key}`).digest('hex');
}

/** What this call holds in the ledger: exactly one settle (or keep) is owed for it. */
export interface Hold {
  requestId: string;
  charges: readonly PlannedCharge[];
}

/** A refusal ends the call; a hold, when there is one, is the caller's to settle, refused or not. */
export interface Reserved {
  refusal?: Refusal;
  hold?: Hold;
}

export async function reserve(ctx: CallContext, services: Services): Promise<Reserved> {
  const now = services.clock.now();
  const plan = planCharges(ctx, now);
  if (!plan.ok) return { refusal: unconvertible(ctx, plan.cap, plan.reason) };
  ctx.charges = plan.planned;
  if (plan.planned.length === 0) return {};

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
    return { refusal: onLedgerFailure(ctx, services, 'reserve', err) };
  }
  const hold: Hold = { requestId: ctx.id, charges: plan.planned };
  // A duplicate holds nothing of its own: the first reservation is settled by its own call.
  if (outcome.ok) return outcome.duplicateOf === undefined ? { hold } : {};
  const exceeded = plan.planned[outcome.index];
  if (exceeded === undefined) {
    // A ledger naming a charge this call did not make is broken: handled as a ledger failure (the store ledgers throw instead).
    const err = new RangeError(`ledger ${services.ledger.name} refused charge #${outcome.index} of ${plan.planned.length}`);
    return { refusal: onLedgerFailure(ctx, services, 'reserve', err), hold: outcome.reserved ? hold : undefined };
  }
  const { cap } = exceeded;
  const refusal = policyRefusal(
    ctx,
    refuse('capExceeded', capExceededMessage(cap, outcome.used, outcome.requested, outcome.limit), qualifiedOperation(ctx), cap.window.label),
  );
  // Only a dry-run reservation is made past a cap.
  return { refusal, hold: outcome.reserved ? hold : undefined };
}

/** "cap 24h stripe spend: $480.00 used + $40.00 requested > $500.00 limit" (counts print as numbers). */
export function capExceededMessage(cap: CompiledCap, used: number, requested: number, limit: number): string {
  const limitKind = cap.limit;
  const show = (n: number) => (limitKind.kind === 'spend' ? formatMinor(n, limitKind.currency) : String(n));
  return `cap ${cap.name}: ${show(used)} used + ${show(requested)} requested > ${show(limit)} limit`;
}

function unconvertible(ctx: CallContext, cap: CompiledCap, reason: string): Refusal | undefined {
  const currency = cap.limit.kind === 'spend' ? cap.limit.currency.toUpperCase() : '';
  return policyRefusal(
    ctx,
    refuse('currencyUnconvertible', { cap: cap.name, capCurrency: currency, currency: ctx.amount?.currency.toUpperCase() ?? '', reason }),
  );
}
