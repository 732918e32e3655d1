// Which caps a call counts against and how much it charges each: spend caps in
// the cap's currency (through the policy's fx table, never guessed), request
// caps 1, unit caps the call's units.
import type { CompiledCap, CompiledVendor } from '../policy/compiled.ts';
import type { CallContext, PlannedCharge } from './context.ts';
import { chargeKey } from '../caps/windows.ts';
import { convertMinor } from '../money/money.ts';
import { chargeScope } from './call-scope.ts';

export type Converted = { ok: true; amount: number } | { ok: false; reason: string };

export type ChargePlan = { ok: true; planned: PlannedCharge[] } | { ok: false; cap: CompiledCap; reason: string };

/**
 * Caps that count this operation: all of the vendor's, minus those limited to other operations.
 * A request of several operations counts against a limited cap when any of them is listed
 * (with the whole request's cost: over-counting, never under).
 */
export function capsFor(vendor: CompiledVendor, operationIds: string | readonly string[]): CompiledCap[] {
  const ids = typeof operationIds === 'string' ? [operationIds] : operationIds;
  return vendor.caps.filter((cap) => !cap.operations || ids.some((id) => cap.operations!.has(id)));
}

/** `money` in minor units of `capCurrency`; a currency the fx table does not list is refused. */
export function inCapCurrency(vendor: CompiledVendor, capCurrency: string, money: { amount: number; currency: string }): Converted {
  const from = money.currency.toLowerCase();
  const to = capCurrency.toLowerCase();
  if (from === to) return { ok: true, amount: money.amount };
  const rate = vendor.fx.get(from);
  if (!rate) return { ok: false, reason: `${from.toUpperCase()} is not in the policy's fx table` };
  try {
    return { ok: true, amount: convertMinor(money.amount, from, to, rate) };
  } catch (err) {
    return { ok: false, reason: (err as Error).message };
  }
}

/** What this call charges `cap`; 0 means the cap does not count it (no spend, no units). */
function chargeAmount(ctx: CallContext, cap: CompiledCap): Converted {
  switch (cap.limit.kind) {
    case 'requests':
      return { ok: true, amount: 1 };
    case 'units': {
      const units = ctx.cost && 'units' in ctx.cost ? ctx.cost.units?.[cap.limit.unit] : undefined;
      return { ok: true, amount: units ?? 0 };
    }
    case 'spend':
      return ctx.amount ? inCapCurrency(ctx.vendor, cap.limit.currency, ctx.amount) : { ok: true, amount: 0 };
  }
}

function capLimit(cap: CompiledCap): number {
  return cap.limit.kind === 'spend' ? cap.limit.amount : cap.limit.count;
}

/** One ledger charge per cap that counts this call, keyed by credential or run and bucket. */
export function planCharges(ctx: CallContext, now: number): ChargePlan {
  const planned: PlannedCharge[] = [];
  const scope = chargeScope(ctx);
  const ids = ctx.parts ? ctx.parts.map((p) => p.operation.id) : (ctx.operation?.id ?? '');
  for (const cap of capsFor(ctx.vendor, ids)) {
    const amount = chargeAmount(ctx, cap);
    if (!amount.ok) return { ok: false, cap, reason: amount.reason };
    // A call with no spend must not be refused by a spend cap that is already full.
    if (amount.amount === 0) continue;
    const { key, window } = chargeKey(cap, scope, now);
    planned.push({ cap, charge: { key, amount: amount.amount, limit: capLimit(cap), window } });
  }
  return { ok: true, planned };
}
