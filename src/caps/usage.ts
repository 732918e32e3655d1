// Per-cap usage for the admin `/status` endpoint: what is used and what is
// left, read from the same keys the reserve step charges.
import type { CompiledVendor } from '../policy/compiled.ts';
import type { Ledger } from '../ledger/ledger.ts';
import { formatMinor } from '../money/money.ts';
import { chargeKey, NO_RUN, type ChargeScope } from './windows.ts';

export interface CapUsage {
  id: string;
  name: string;
  /** The cap's window as written: `24h`, `day`. */
  window: string;
  per: 'key' | 'run';
  /** The run the numbers are for (`per: run` caps only). */
  run?: string;
  /** Minor units of `currency` for spend caps, otherwise counts. */
  used: number;
  limit: number;
  remaining: number;
  /** Lowercase currency for spend caps; `requests`; or the unit name. */
  unit: string;
  /** "$480.00 used of $500.00, $20.00 remaining". */
  summary: string;
}

/** Usage of every cap of `vendor` for one credential (and run, for `per: run` caps; default the no-run bucket). */
export async function capStatus(vendor: CompiledVendor, scope: ChargeScope, ledger: Ledger, now: number): Promise<CapUsage[]> {
  const keys = vendor.caps.map((cap) => chargeKey(cap, scope, now));
  const used = await ledger.usage(keys, now);
  return vendor.caps.map((cap, i) => {
    const spent = used[i];
    if (spent === undefined) throw new Error(`ledger ${ledger.name} answered ${used.length} usages for ${keys.length} keys`);
    const limit = cap.limit.kind === 'spend' ? cap.limit.amount : cap.limit.count;
    const unit = cap.limit.kind === 'spend' ? cap.limit.currency.toLowerCase() : cap.limit.kind === 'units' ? cap.limit.unit : 'requests';
    const show = (n: number) => (cap.limit.kind === 'spend' ? formatMinor(n, unit) : `${n} ${unit}`);
    const remaining = Math.max(limit - spent, 0);
    return {
      id: cap.id,
      name: cap.name,
      window: cap.window.label,
      per: cap.per,
      ...(cap.per === 'run' ? { run: scope.run ?? NO_RUN } : {}),
      used: spent,
      limit,
      remaining,
      unit,
      summary: `${show(spent)} used of ${show(limit)}, ${show(remaining)} remaining`,
    };
  });
}
