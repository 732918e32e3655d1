// The amount a 2xx Stripe response says actually moved, to commit in place of
// the reservation. Holds (uncaptured charges, intents awaiting capture,
// increments) settle to 0: the capture is what counts. Money that will still
// move without another call through keybrake (processing, 3-D Secure) counts
// in full. undefined keeps the estimate.
import type { CostEstimate, Operation } from '../pack.ts';
import { objectCurrency, objectInteger, valueAt } from './fields.ts';

type Settle = (object: unknown) => number | undefined;

const amountField: Settle = (o) => objectInteger(o, 'amount');

const chargeCaptured: Settle = (charge) => {
  const captured = valueAt(charge, 'captured');
  if (captured === false) return 0;
  if (captured !== true) return undefined;
  return objectInteger(charge, 'amount_captured') ?? objectInteger(charge, 'amount');
};

const intentMoved: Settle = (pi) => {
  switch (valueAt(pi, 'status')) {
    case 'succeeded':
      return objectInteger(pi, 'amount_received');
    case 'processing':
    case 'requires_action':
      return objectInteger(pi, 'amount');
    case 'requires_capture':
    case 'requires_payment_method':
    case 'requires_confirmation':
    case 'canceled':
      return 0;
    default:
      return undefined;
  }
};

/** Refunds this credit note created (`refunds[].amount_refunded`); older API versions keep the estimate. */
const creditNoteRefunded: Settle = (note) => {
  const refunds = valueAt(note, 'refunds');
  if (!Array.isArray(refunds)) return undefined;
  let sum = 0;
  for (const r of refunds) {
    const n = objectInteger(r, 'amount_refunded');
    if (n === undefined) return undefined;
    sum += n;
  }
  return sum;
};

const SETTLE: Readonly<Record<string, Settle>> = {
  'charges.create': chargeCaptured,
  'charges.capture': chargeCaptured,
  'refunds.create': amountField,
  'payouts.create': amountField,
  'transfers.create': amountField,
  'transfers.reversals.create': amountField,
  'topups.create': amountField,
  'application_fees.refunds.create': amountField,
  'payment_intents.create': intentMoved,
  'payment_intents.confirm': intentMoved,
  'payment_intents.capture': intentMoved,
  'payment_intents.increment_authorization': () => 0,
  'invoices.pay': (inv) => objectInteger(inv, 'amount_paid'),
  'credit_notes.create': creditNoteRefunded,
};

export function stripeSettledAmount(op: Operation, response: unknown, estimate: CostEstimate): { amount: number; currency: string } | undefined {
  // Nothing was reserved for a free call; there is nothing to replace.
  if (estimate.kind === 'free' || estimate.kind === 'unknown') return undefined;
  const settle = Object.hasOwn(SETTLE, op.id) ? SETTLE[op.id] : undefined;
  const amount = settle?.(response);
  const currency = objectCurrency(response);
  return amount === undefined || currency === undefined ? undefined : { amount, currency };
}
