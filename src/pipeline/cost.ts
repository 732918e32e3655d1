// Step 8: what this call costs, before anything is forwarded. The pack prices
// it from the body and the policy's unit prices; when the amount lives on an
// existing object (a refund without `amount`), one GET upstream with the real
// key reads it. A billable call whose cost cannot be known is refused — never
// counted as zero.
import type { CostEstimate, PriceContext, Refusal } from '../vendors/pack.ts';
import type { CallContext, Services, Step } from './context.ts';
import { policyRefusal } from './context.ts';
import { upstreamHeaders } from '../http/headers.ts';
import { qualifiedOperation } from './call-scope.ts';
import { capsFor } from './cap-charges.ts';
import { killedSinceAdmission, killView } from './kill-check.ts';
import { refuse } from '../refusal/catalog.ts';

/** Headers that describe the request body or the write itself; a lookup GET carries none of them. */
const NOT_FOR_LOOKUP = ['content-type', 'content-encoding', 'idempotency-key'];

/** What a pack prices with: the policy entry's unit prices and currency, and which operations request caps count. */
export function priceContext(ctx: CallContext): PriceContext {
  const { entry } = ctx.vendor;
  return {
    unitPrices: entry.unitPrices,
    maxCallMinutes: entry.maxCallMinutes,
    defaultCurrency: entry.shopCurrency,
    countedByRequests: (id) => capsFor(ctx.vendor, id).some((cap) => cap.limit.kind !== 'spend'),
  };
}

export const estimateCost: Step = async (ctx, services) => {
  if (!ctx.operation || !ctx.body) return undefined;
  const { pack } = ctx.vendor;
  const estimate = pack.estimateCost(ctx.operation, ctx.body, priceContext(ctx), ctx.request);
  ctx.cost = estimate;
  switch (estimate.kind) {
    case 'free':
      return undefined;
    case 'amount':
      ctx.amount = { amount: estimate.amount, currency: estimate.currency.toLowerCase() };
      return undefined;
    case 'unknown':
      return ctx.operation.billable ? costUnknown(ctx, estimate.reason) : undefined;
    case 'lookup':
      return lookUpAmount(ctx, services, estimate);
  }
};

async function lookUpAmount(ctx: CallContext, services: Services, estimate: Extract<CostEstimate, { kind: 'lookup' }>): Promise<Refusal | undefined> {
  const failed = (why: string) =>
    costUnknown(
      ctx,
      `looking up ${estimate.path} to find the amount ${why}. ` +
        (estimate.hint ?? 'Send the amount explicitly in the request (integer minor units) so keybrake can count it against the caps.'),
    );
  const headers = lookupHeaders(ctx, services);
  if (!headers.ok) return failed(headers.why);
  // A lookup is a request to the vendor with the real key: after a kill, not even that goes out.
  const killed = killedSinceAdmission(ctx, killView(services));
  if (killed) return killed;
  let res: { status: number; body: unknown };
  try {
    if (estimate.body === undefined) res = await services.upstream.get(ctx.host, estimate.path, headers.headers);
    else if (services.upstream.post) res = await services.upstream.post(ctx.host, estimate.path, headers.headers, estimate.body);
    else return failed('failed: this proxy cannot send a read as POST');
  } catch (err) {
    services.log.warn({ err, requestId: ctx.id, path: estimate.path }, 'cost lookup failed');
    return failed('failed: the vendor did not answer (timeout or connection error)');
  }
  if (res.status < 200 || res.status > 299) return failed(`failed: ${ctx.vendor.pack.id} answered ${res.status}`);
  const found = estimate.read(res.body);
  if (!found || !Number.isSafeInteger(found.amount) || found.amount < 0) {
    return failed('failed: the object does not say its amount and currency');
  }
  ctx.amount = { amount: found.amount, currency: found.currency.toLowerCase() };
  return undefined;
}

/**
 * The request's own headers (so Stripe-Account and Stripe-Version read the
 * object from the same account and API version the write targets), without
 * body headers, with the real credential put in by the pack.
 */
function lookupHeaders(ctx: CallContext, services: Services): { ok: true; headers: Record<string, string> } | { ok: false; why: string } {
  let secret: string;
  try {
    secret = services.secrets.read(ctx.vendor.entry.credential.secretRef);
  } catch {
    return { ok: false, why: 'failed: the credential is unavailable' };
  }
  const base = upstreamHeaders(ctx.request.headers, ctx.host);
  for (const name of NOT_FOR_LOOKUP) delete base[name];
  base['accept'] = 'application/json';
  const swapped = ctx.vendor.pack.applyCredential(base, secret, {
    path: ctx.request.path,
    op: ctx.operation ?? { id: '', billable: false, params: {} },
    presented: ctx.presented ?? { key: '' },
  });
  return swapped.ok ? { ok: true, headers: swapped.headers } : { ok: false, why: `was refused: ${swapped.refusal.message}` };
}

function costUnknown(ctx: CallContext, why: string): Refusal | undefined {
  return policyRefusal(ctx, refuse('costUnknown', qualifiedOperation(ctx), why));
}
