// What a Stripe call costs before it is forwarded.
// Amounts are integer minor units in lowercase currencies. When the body does
// not carry the amount or the currency, the estimate is a lookup of the object
// the money comes from; when neither can tell, the call is refused, never
// guessed as zero. Authorizations (capture=false, manual-capture intents,
// increments) are reserved here and settle to what was actually captured.
import type { CostEstimate, Operation, ParsedBody } from '../pack.ts';
import { BILLING_RULES } from './billing.ts';
import { FREE, amountInBody, invalidReason, objectPath, onObject, remaining, unknown, type CostRule } from './estimates.ts';
import { idField, integerField, isFalseOrAbsent, objectInteger } from './fields.ts';

const free: CostRule = () => FREE;
const amountAndCurrency: CostRule = (id, body) => amountInBody(id, body);

/** What is left to refund on a charge. */
const chargeRefundable = (charge: unknown) => remaining(charge, 'amount', 'amount_refunded');

/** A PaymentIntent's refundable amount: its latest charge's when expanded, else all it received. */
function intentRefundable(intent: unknown): number | undefined {
  const latest = (intent as { latest_charge?: unknown } | null)?.latest_charge;
  if (typeof latest === 'object' && latest !== null) return chargeRefundable(latest);
  return objectInteger(intent, 'amount_received');
}

const refund: CostRule = (id, body) => {
  const charge = idField(body, 'charge');
  const intent = idField(body, 'payment_intent');
  const bad = invalidReason(charge) ?? invalidReason(intent);
  if (bad) return unknown(`stripe ${id}: ${bad}`);
  if (charge.state === 'ok' && intent.state === 'ok') {
    return unknown(`stripe ${id}: send one of charge or payment_intent, not both`);
  }
  const amount = integerField(body, 'amount');
  if (charge.state === 'ok') return onObject(id, objectPath('charges', charge.value), amount, chargeRefundable);
  if (intent.state === 'ok') {
    return onObject(id, objectPath('payment_intents', intent.value, '?expand[0]=latest_charge'), amount, intentRefundable);
  }
  // origin=customer_balance refunds name a customer and carry amount and currency.
  return amountInBody(id, body);
};

const chargeCapture: CostRule = (id, body, p) =>
  onObject(id, objectPath('charges', p.id!), integerField(body, 'amount'), (c) => remaining(c, 'amount', 'amount_captured'));

const intentPath = (p: Record<string, string>) => objectPath('payment_intents', p.id!);

const intentCreate: CostRule = (id, body) => (isFalseOrAbsent(body, 'confirm') ? FREE : amountInBody(id, body));

const intentConfirm: CostRule = (id, body, p) => onObject(id, intentPath(p), integerField(body, 'amount_to_confirm'), (pi) => objectInteger(pi, 'amount'));

const intentCapture: CostRule = (id, body, p) =>
  onObject(id, intentPath(p), integerField(body, 'amount_to_capture'), (pi) => objectInteger(pi, 'amount_capturable'));

/** `amount` is the new total of the hold: the increase over the intent's amount is what is reserved. */
const incrementAuthorization: CostRule = (id, body, p) => {
  const total = integerField(body, 'amount');
  if (total.state !== 'ok') {
    return unknown(`stripe ${id}: ${total.state === 'invalid' ? total.reason : 'send amount, the new total of the authorization'}`);
  }
  return onObject(id, intentPath(p), { state: 'absent' }, (pi) => {
    const current = objectInteger(pi, 'amount');
    return current === undefined ? undefined : Math.max(0, total.value - current);
  });
};

const applyCustomerBalance: CostRule = (id, body, p) =>
  onObject(id, intentPath(p), integerField(body, 'amount'), (pi) => remaining(pi, 'amount', 'amount_received'));

const transferReversal: CostRule = (id, body, p) =>
  onObject(id, objectPath('transfers', p.id!), integerField(body, 'amount'), (t) => remaining(t, 'amount', 'amount_reversed'));

const feeRefund: CostRule = (id, body, p) =>
  onObject(id, objectPath('application_fees', p.id!), integerField(body, 'amount'), (f) => remaining(f, 'amount', 'amount_refunded'));

const RULES: Readonly<Record<string, CostRule>> = {
  'charges.create': amountAndCurrency,
  'charges.capture': chargeCapture,
  'refunds.create': refund,
  'payment_intents.create': intentCreate,
  'payment_intents.confirm': intentConfirm,
  'payment_intents.capture': intentCapture,
  'payment_intents.increment_authorization': incrementAuthorization,
  'payment_intents.apply_customer_balance': applyCustomerBalance,
  'payouts.create': amountAndCurrency,
  'transfers.create': amountAndCurrency,
  'transfers.reversals.create': transferReversal,
  'topups.create': amountAndCurrency,
  'application_fees.refunds.create': feeRefund,
  // Money moves later, when a customer pays or an invoice advances: request caps count these.
  'invoiceitems.create': free,
  'invoices.create': free,
  'invoices.finalize': free,
  'customers.balance_transactions.create': free,
  'checkout.sessions.create': free,
  'payment_links.create': free,
  ...BILLING_RULES,
};

export function estimateStripeCost(op: Operation, body: ParsedBody): CostEstimate {
  if (!op.billable) return FREE;
  const rule = Object.hasOwn(RULES, op.id) ? RULES[op.id] : undefined;
  return rule ? rule(op.id, body, op.params) : unknown(`stripe ${op.id} moves money and keybrake has no cost model for it`);
}
