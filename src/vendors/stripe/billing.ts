// Cost of Stripe Billing calls: paying an invoice, creating, changing or
// cancelling a subscription, and credit notes that refund. These move money
// through an invoice Stripe computes, so the estimate is either read from the
// request's own price data, looked up on the invoice, or refused with what to
// send instead.
import type { CostEstimate, ParsedBody } from '../pack.ts';
import { parseRate } from '../../money/money.ts';
import { FREE, objectPath, onObject, remaining, unknown, type CostRule } from './estimates.ts';
import { ABSENT, currencyField, idField, integerField, isFalseOrAbsent, isTrue, objectCurrency, objectInteger, valueAt } from './fields.ts';

const invoicePay: CostRule = (id, body, p) => {
  if (isTrue(body, 'paid_out_of_band')) return FREE;
  return onObject(id, objectPath('invoices', p.id!), ABSENT, (inv) => objectInteger(inv, 'amount_remaining') ?? objectInteger(inv, 'amount_due'));
};

/**
 * Only `refund_amount` creates a refund. With no split at all, a credit note
 * on a paid invoice may refund, so reserve the most it could be.
 */
const creditNote: CostRule = (id, body) => {
  const invoice = idField(body, 'invoice');
  if (invoice.state !== 'ok') {
    return unknown(`stripe ${id}: ${invoice.state === 'invalid' ? invoice.reason : 'send invoice, the id of the invoice to credit'}`);
  }
  const path = objectPath('invoices', invoice.value);
  const refund = integerField(body, 'refund_amount');
  if (refund.state !== 'absent') return onObject(id, path, refund, () => undefined);
  if (['credit_amount', 'out_of_band_amount', 'refunds'].some((k) => valueAt(body, k) !== undefined)) return FREE;
  const amount = integerField(body, 'amount');
  if (amount.state === 'invalid') return unknown(`stripe ${id}: ${amount.reason}`);
  return {
    kind: 'lookup',
    path,
    read(inv) {
      const currency = objectCurrency(inv);
      if (currency === undefined) return undefined;
      if (valueAt(inv, 'status') !== 'paid') return { amount: 0, currency };
      const most = remaining(inv, 'amount_paid', 'post_payment_credit_notes_amount');
      const want = amount.state === 'ok' ? amount.value : most;
      return want === undefined ? undefined : { amount: want, currency };
    },
  };
};

type Priced = { ok: true; amount: bigint; currency?: string } | { ok: false; reason: string };

/** unit_amount (or unit_amount_decimal, rounded up) × quantity of one `items[N]` line. */
function priceLine(line: unknown, label: string): Priced {
  if (valueAt(line, 'price') !== undefined || valueAt(line, 'plan') !== undefined) {
    return {
      ok: false,
      reason:
        `${label} names a price id, whose amount is not in the request; send ${label}[price_data] ` +
        'with unit_amount and currency, or use a trial or collection_method=send_invoice',
    };
  }
  const data = valueAt(line, 'price_data');
  if (data === undefined) return { ok: false, reason: `${label} has neither price nor price_data` };
  const quantity = integerField(line, 'quantity');
  const currency = currencyField(data, 'currency');
  if (quantity.state === 'invalid') return { ok: false, reason: `${label}: ${quantity.reason}` };
  if (currency.state === 'invalid') return { ok: false, reason: `${label}: ${currency.reason}` };
  const qty = BigInt(quantity.state === 'ok' ? quantity.value : 1);
  const cur = currency.state === 'ok' ? currency.value : undefined;
  const unit = integerField(data, 'unit_amount');
  if (unit.state === 'ok') return { ok: true, amount: BigInt(unit.value) * qty, currency: cur };
  const decimal = valueAt(data, 'unit_amount_decimal');
  if (unit.state === 'absent' && typeof decimal === 'string') {
    try {
      const rate = parseRate(decimal);
      return { ok: true, amount: (rate.num * qty + rate.den - 1n) / rate.den, currency: cur };
    } catch {
      // fall through to the refusal below
    }
  }
  return { ok: false, reason: `${label}[price_data] needs unit_amount as a non-negative integer in minor units` };
}

function list(body: ParsedBody, key: string): unknown[] | undefined {
  const v = body[key];
  return v === undefined ? [] : Array.isArray(v) ? v : undefined;
}

/** A trial makes the first invoice's subscription items free; add_invoice_items are still charged. */
function onTrial(body: ParsedBody): boolean {
  const days = integerField(body, 'trial_period_days');
  return (days.state === 'ok' && days.value > 0) || integerField(body, 'trial_end').state === 'ok';
}

/** The first invoice of charge_automatically subscriptions is paid in the request. */
const subscriptionCreate: CostRule = (id, body) => {
  if (valueAt(body, 'collection_method') === 'send_invoice') return FREE;
  if (valueAt(body, 'backdate_start_date') !== undefined) {
    return unknown(`stripe ${id}: a backdated subscription invoices past periods keybrake cannot price; create it without backdate_start_date`);
  }
  const items = onTrial(body) ? [] : list(body, 'items');
  const extras = list(body, 'add_invoice_items');
  if (!items || !extras) return unknown(`stripe ${id}: items and add_invoice_items must be lists (items[0][…])`);
  const lines = [...items.map((l, i) => [l, `items[${i}]`] as const), ...extras.map((l, i) => [l, `add_invoice_items[${i}]`] as const)];
  return sumLines(id, body, lines);
};

function sumLines(id: string, body: ParsedBody, lines: ReadonlyArray<readonly [unknown, string]>): CostEstimate {
  const bodyCurrency = currencyField(body, 'currency');
  if (bodyCurrency.state === 'invalid') return unknown(`stripe ${id}: ${bodyCurrency.reason}`);
  let currency = bodyCurrency.state === 'ok' ? bodyCurrency.value : undefined;
  let total = 0n;
  for (const [line, label] of lines) {
    const priced = priceLine(line, label);
    if (!priced.ok) return unknown(`stripe ${id}: ${priced.reason}`);
    if (priced.currency && currency && priced.currency !== currency) {
      return unknown(`stripe ${id}: ${label} is in ${priced.currency}, other amounts in ${currency}; use one currency`);
    }
    currency ??= priced.currency;
    total += priced.amount;
  }
  if (total === 0n) return FREE;
  if (total > BigInt(Number.MAX_SAFE_INTEGER)) return unknown(`stripe ${id}: the total amount is too large`);
  if (!currency) return unknown(`stripe ${id}: send currency`);
  return { kind: 'amount', amount: Number(total), currency };
}

/** Changes that cannot invoice: anything else (items, prorations, anchors, trials) may charge at once. */
const HARMLESS_UPDATES = new Set(['metadata', 'description', 'default_payment_method', 'default_source', 'cancel_at_period_end', 'pause_collection', 'expand']);

const subscriptionUpdate: CostRule = (id, body) => {
  const risky = Object.keys(body).filter((k) => !HARMLESS_UPDATES.has(k));
  if (risky.length === 0) return FREE;
  return unknown(
    `stripe ${id}: changing ${risky.slice(0, 5).join(', ')} can invoice and charge at once, an amount Stripe computes ` +
      'that keybrake cannot know before the call; only metadata, description, payment method, pause and ' +
      'cancel_at_period_end changes go through — ask an operator for other changes',
  );
};

const subscriptionCancel: CostRule = (id, body) =>
  isFalseOrAbsent(body, 'invoice_now')
    ? FREE
    : unknown(`stripe ${id}: invoice_now=true charges a final invoice keybrake cannot price; cancel without invoice_now`);

export const BILLING_RULES: Readonly<Record<string, CostRule>> = {
  'invoices.pay': invoicePay,
  'credit_notes.create': creditNote,
  'subscriptions.create': subscriptionCreate,
  'subscriptions.update': subscriptionUpdate,
  'subscriptions.cancel': subscriptionCancel,
};
