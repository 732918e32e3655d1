// Cost of sending email before it is sent. Both Resend and Postmark bill each
// recipient (To, Cc and Bcc) as one email, so the policy's `email` price is a
// price per recipient. Without a price the cost is unknown and the send is
// refused: a plan that includes the emails says so with `email: "0"`.
import type { CostEstimate, Operation, ParsedBody, PriceContext } from '../pack.ts';
import type { BodyShape } from './parse.ts';
import { emailCounts } from './emails.ts';
import { priceUnits, validateUnitPrices } from '../unit-prices.ts';

export const EMAIL_PRICE_NAMES = ['email'] as const;

export function emailCost(prices: PriceContext, counts: { emails: number; recipients: number }): CostEstimate {
  if (counts.recipients === 0) return { kind: 'unknown', reason: 'the email names no recipient in to, cc or bcc' };
  const price = priceUnits(prices.unitPrices, 'email', counts.recipients);
  if (!price.ok) return { kind: 'unknown', reason: `${price.reason} (the price is per recipient; use "0" if your plan includes them)` };
  return { kind: 'amount', amount: price.amount, currency: price.currency, units: { emails: counts.emails, recipients: counts.recipients } };
}

/**
 * Cost of an email vendor's operation from the shape of its body: one email or
 * a list are priced per recipient; other billable operations have no model
 * (refused); the rest are free.
 */
export function estimateEmailCost(vendor: string, op: Operation, shape: BodyShape, body: ParsedBody, prices: PriceContext): CostEstimate {
  if (shape.kind === 'email' || shape.kind === 'emails') return emailCost(prices, emailCounts(body, shape.kind === 'emails'));
  return op.billable ? { kind: 'unknown', reason: `keybrake has no cost model for ${vendor}:${op.id}` } : { kind: 'free' };
}

/** Policy validation shared by the email vendors: an `email` price, no per-country prices, no call minutes. */
export function validateEmailEntry(entry: PriceContext): string[] {
  const errors = validateUnitPrices(entry.unitPrices, EMAIL_PRICE_NAMES, { byCountry: false });
  if (entry.maxCallMinutes !== undefined) errors.push('maxCallMinutes: only Twilio places calls; remove it');
  return errors;
}
