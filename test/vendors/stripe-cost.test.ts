import { describe, expect, it } from 'vitest';
import type { CostEstimate } from '../../src/vendors/pack.ts';
import { stripePack } from '../../src/vendors/stripe/index.ts';
import { estimate, parsedCall } from './stripe-request.ts';

/** A lookup estimate: the GET path, and what it reserves for a given object. */
function lookup(e: CostEstimate): { path: string; read: (o: unknown) => unknown } {
  if (e.kind !== 'lookup') throw new Error(`expected a lookup, got ${JSON.stringify(e)}`);
  return e;
}

/** What a lookup estimate of POST `path` (with `body`) reserves, given the object it reads. */
function reserved(path: string, object: unknown, body?: string): unknown {
  return lookup(estimate('POST', path, body)).read(object);
}

function reason(e: CostEstimate): string {
  if (e.kind !== 'unknown') throw new Error(`expected unknown, got ${JSON.stringify(e)}`);
  return e.reason;
}

describe('stripe cost: amount and currency in the body', () => {
  it('prices charges, payouts, transfers and top-ups from the body, currency lowercased', () => {
    expect(estimate('POST', '/v1/charges', 'amount=4000&currency=USD&source=tok_visa')).toEqual({ kind: 'amount', amount: 4000, currency: 'usd' });
    expect(estimate('POST', '/v1/charges', 'amount=4000&currency=usd&capture=false')).toEqual({ kind: 'amount', amount: 4000, currency: 'usd' });
    expect(estimate('POST', '/v1/payouts', 'amount=1000&currency=jpy')).toEqual({ kind: 'amount', amount: 1000, currency: 'jpy' });
    expect(estimate('POST', '/v1/transfers', 'amount=12340&currency=kwd&destination=acct_1')).toEqual({ kind: 'amount', amount: 12340, currency: 'kwd' });
    expect(estimate('POST', '/v1/topups', 'amount=500&currency=eur')).toEqual({ kind: 'amount', amount: 500, currency: 'eur' });
  });

  it('refuses an amount that is not a non-negative safe integer, rather than guess', () => {
    for (const amount of ['', '-5', '1.5', '1e3', '0x10', '05', ' 5', '99999999999999999']) {
      const r = reason(estimate('POST', '/v1/charges', `amount=${encodeURIComponent(amount)}&currency=usd`));
      expect(r, amount).toMatch(/amount must be a non-negative integer/);
    }
    expect(reason(estimate('POST', '/v1/charges', 'amount[x]=5&currency=usd'))).toMatch(/non-negative integer/);
    expect(reason(estimate('POST', '/v1/charges', 'amount=5&currency=dollars'))).toMatch(/currency/);
    expect(reason(estimate('POST', '/v1/payouts', 'currency=usd'))).toMatch(/send amount .* and currency/);
  });

  it('prices a PaymentIntent only when it is confirmed in the same call', () => {
    expect(estimate('POST', '/v1/payment_intents', 'amount=2000&currency=usd')).toEqual({ kind: 'free' });
    expect(estimate('POST', '/v1/payment_intents', 'amount=2000&currency=usd&confirm=false')).toEqual({ kind: 'free' });
    expect(estimate('POST', '/v1/payment_intents', 'amount=2000&currency=usd&confirm=true')).toEqual({ kind: 'amount', amount: 2000, currency: 'usd' });
    // A spelling keybrake does not know errs toward charging.
    expect(estimate('POST', '/v1/payment_intents', 'amount=2000&currency=usd&confirm=1')).toMatchObject({ kind: 'amount', amount: 2000 });
  });

  it('counts pages, links, pending items and balance entries by request caps only', () => {
    for (const [path, body] of [
      ['/v1/checkout/sessions', 'mode=payment&line_items[0][price]=price_1&line_items[0][quantity]=1'],
      ['/v1/payment_links', 'line_items[0][price]=price_1&line_items[0][quantity]=1'],
      ['/v1/invoiceitems', 'customer=cus_A&amount=-500&currency=usd'],
      ['/v1/customers/cus_A/balance_transactions', 'amount=500&currency=usd'],
    ] as const) {
      expect(estimate('POST', path, body), path).toEqual({ kind: 'free' });
    }
  });

  it('reads and unknown operations are free', () => {
    expect(estimate('GET', '/v1/charges/ch_1')).toEqual({ kind: 'free' });
    expect(estimate('POST', '/v1/climate/orders', 'amount=100')).toEqual({ kind: 'free' });
  });
});

describe('stripe cost: the amount lives on an existing object (one lookup)', () => {
  const charge = { object: 'charge', amount: 10000, amount_captured: 10000, amount_refunded: 2500, currency: 'usd' };

  it('refund without amount reserves what is left to refund on the charge', () => {
    const e = lookup(estimate('POST', '/v1/refunds', 'charge=ch_1'));
    expect(e.path).toBe('/v1/charges/ch_1');
    expect(e.read(charge)).toEqual({ amount: 7500, currency: 'usd' });
  });

  it('refund with amount takes the amount from the body and the currency from the charge', () => {
    expect(reserved('/v1/refunds', { ...charge, currency: 'JPY' }, 'charge=ch_1&amount=500')).toEqual({ amount: 500, currency: 'jpy' });
  });

  it('refund of a PaymentIntent expands its latest charge, else reserves all it received', () => {
    const e = lookup(estimate('POST', '/v1/refunds', 'payment_intent=pi_1'));
    expect(e.path).toBe('/v1/payment_intents/pi_1?expand[0]=latest_charge');
    expect(e.read({ amount: 10000, amount_received: 10000, currency: 'eur', latest_charge: charge })).toEqual({ amount: 7500, currency: 'eur' });
    expect(e.read({ amount: 10000, amount_received: 10000, currency: 'eur', latest_charge: 'ch_1' })).toEqual({ amount: 10000, currency: 'eur' });
  });

  it('a lookup that finds no usable amount or currency fails (the pipeline refuses)', () => {
    const e = lookup(estimate('POST', '/v1/refunds', 'charge=ch_1'));
    expect(e.read({ amount: 100 })).toBeUndefined();
    expect(e.read({ currency: 'usd', amount: '100' })).toBeUndefined();
    expect(e.read({ currency: 'usd', amount: 100, amount_refunded: 'lots' })).toBeUndefined();
    expect(e.read(null)).toBeUndefined();
  });

  it('refund needs exactly one source, with a usable id', () => {
    expect(reason(estimate('POST', '/v1/refunds', 'charge=ch_1&payment_intent=pi_1'))).toMatch(/one of charge or payment_intent/);
    expect(reason(estimate('POST', '/v1/refunds', 'charge=..%2Fpayouts'))).toMatch(/object id/);
    expect(reason(estimate('POST', '/v1/refunds', 'amount=100'))).toMatch(/send amount .* and currency/);
    // origin=customer_balance refunds carry their own amount and currency.
    expect(estimate('POST', '/v1/refunds', 'origin=customer_balance&customer=cus_A&amount=300&currency=usd')).toEqual({
      kind: 'amount',
      amount: 300,
      currency: 'usd',
    });
  });

  it('charge capture reserves the body amount or what is still uncaptured', () => {
    const e = lookup(estimate('POST', '/v1/charges/ch_1/capture'));
    expect(e.path).toBe('/v1/charges/ch_1');
    expect(e.read({ amount: 5000, amount_captured: 0, currency: 'usd' })).toEqual({ amount: 5000, currency: 'usd' });
    expect(reserved('/v1/charges/ch_1/capture', { amount: 5000, currency: 'usd' }, 'amount=1200')).toEqual({ amount: 1200, currency: 'usd' });
  });

  it('PaymentIntent confirm, capture, increment and customer balance look up the intent', () => {
    const pi = { amount: 8000, amount_capturable: 6000, amount_received: 1000, currency: 'usd' };
    const confirm = lookup(estimate('POST', '/v1/payment_intents/pi_1/confirm'));
    expect(confirm.path).toBe('/v1/payment_intents/pi_1');
    expect(confirm.read(pi)).toEqual({ amount: 8000, currency: 'usd' });
    expect(reserved('/v1/payment_intents/pi_1/confirm', pi, 'amount_to_confirm=300')).toEqual({ amount: 300, currency: 'usd' });
    expect(reserved('/v1/payment_intents/pi_1/capture', pi)).toEqual({ amount: 6000, currency: 'usd' });
    expect(reserved('/v1/payment_intents/pi_1/capture', pi, 'amount_to_capture=2500')).toEqual({ amount: 2500, currency: 'usd' });
    // amount is the new total of the hold: only the increase is reserved.
    expect(reserved('/v1/payment_intents/pi_1/increment_authorization', pi, 'amount=9500')).toEqual({ amount: 1500, currency: 'usd' });
    expect(reason(estimate('POST', '/v1/payment_intents/pi_1/increment_authorization'))).toMatch(/new total/);
    expect(reserved('/v1/payment_intents/pi_1/apply_customer_balance', pi)).toEqual({ amount: 7000, currency: 'usd' });
  });

  it('transfer reversals and application fee refunds default to what is left', () => {
    const rev = lookup(estimate('POST', '/v1/transfers/tr_1/reversals'));
    expect(rev.path).toBe('/v1/transfers/tr_1');
    expect(rev.read({ amount: 9000, amount_reversed: 1000, currency: 'usd' })).toEqual({ amount: 8000, currency: 'usd' });
    expect(reserved('/v1/transfers/tr_1/reversals', { amount: 9000, currency: 'usd' }, 'amount=50')).toEqual({ amount: 50, currency: 'usd' });
    const fee = lookup(estimate('POST', '/v1/application_fees/fee_1/refunds'));
    expect(fee.path).toBe('/v1/application_fees/fee_1');
    expect(fee.read({ amount: 300, amount_refunded: 100, currency: 'gbp' })).toEqual({ amount: 200, currency: 'gbp' });
  });

  it('invoice pay reserves the amount remaining; paid out of band is free', () => {
    const e = lookup(estimate('POST', '/v1/invoices/in_1/pay'));
    expect(e.path).toBe('/v1/invoices/in_1');
    expect(e.read({ amount_due: 5000, amount_remaining: 3000, currency: 'usd' })).toEqual({ amount: 3000, currency: 'usd' });
    expect(e.read({ amount_due: 5000, currency: 'usd' })).toEqual({ amount: 5000, currency: 'usd' });
    expect(estimate('POST', '/v1/invoices/in_1/pay', 'paid_out_of_band=true')).toEqual({ kind: 'free' });
    expect(estimate('POST', '/v1/invoices/in_1/pay', 'paid_out_of_band=yes')).toMatchObject({ kind: 'lookup' });
  });

  it('credit notes cost only what they refund', () => {
    const refund = lookup(estimate('POST', '/v1/credit_notes', 'invoice=in_1&refund_amount=700&credit_amount=300'));
    expect(refund.path).toBe('/v1/invoices/in_1');
    expect(refund.read({ currency: 'usd', status: 'paid' })).toEqual({ amount: 700, currency: 'usd' });
    expect(estimate('POST', '/v1/credit_notes', 'invoice=in_1&credit_amount=300')).toEqual({ kind: 'free' });
    // No split: on a paid invoice it may refund, so reserve the most it could be; on an open one, nothing.
    const unsplit = lookup(estimate('POST', '/v1/credit_notes', 'invoice=in_1&lines[0][type]=invoice_line_item&lines[0][invoice_line_item]=il_1'));
    expect(unsplit.read({ currency: 'usd', status: 'paid', amount_paid: 5000, post_payment_credit_notes_amount: 1000 })).toEqual({
      amount: 4000,
      currency: 'usd',
    });
    expect(unsplit.read({ currency: 'usd', status: 'open', amount_paid: 0 })).toEqual({ amount: 0, currency: 'usd' });
    expect(reason(estimate('POST', '/v1/credit_notes', 'refund_amount=5'))).toMatch(/send invoice/);
  });
});

describe('stripe cost: subscriptions', () => {
  it('sums price_data unit_amount × quantity over items and add_invoice_items', () => {
    const body =
      'customer=cus_A&items[0][price_data][currency]=usd&items[0][price_data][product]=prod_1&items[0][price_data][unit_amount]=1200' +
      '&items[0][price_data][recurring][interval]=month&items[0][quantity]=3' +
      '&add_invoice_items[0][price_data][currency]=usd&add_invoice_items[0][price_data][product]=prod_2&add_invoice_items[0][price_data][unit_amount_decimal]=99.5';
    expect(estimate('POST', '/v1/subscriptions', body)).toEqual({ kind: 'amount', amount: 3700, currency: 'usd' });
  });

  it('tells the agent what to send when an item names a price id', () => {
    const r = reason(estimate('POST', '/v1/subscriptions', 'customer=cus_A&items[0][price]=price_1'));
    expect(r).toMatch(/items\[0\] names a price id/);
    expect(r).toMatch(/price_data/);
  });

  it('is free when invoiced later, and prices only add_invoice_items during a trial', () => {
    expect(estimate('POST', '/v1/subscriptions', 'customer=cus_A&items[0][price]=price_1&collection_method=send_invoice&days_until_due=30')).toEqual({
      kind: 'free',
    });
    expect(estimate('POST', '/v1/subscriptions', 'customer=cus_A&items[0][price]=price_1&trial_period_days=14')).toEqual({ kind: 'free' });
    const extra =
      '&add_invoice_items[0][price_data][currency]=usd&add_invoice_items[0][price_data][product]=p&add_invoice_items[0][price_data][unit_amount]=500';
    expect(estimate('POST', '/v1/subscriptions', `customer=cus_A&items[0][price]=price_1&trial_end=1900000000${extra}`)).toEqual({
      kind: 'amount',
      amount: 500,
      currency: 'usd',
    });
  });

  it('refuses mixed currencies, backdating and unpriceable changes', () => {
    const mixed =
      'items[0][price_data][currency]=usd&items[0][price_data][unit_amount]=1&items[1][price_data][currency]=eur&items[1][price_data][unit_amount]=1';
    expect(reason(estimate('POST', '/v1/subscriptions', mixed))).toMatch(/use one currency/);
    expect(reason(estimate('POST', '/v1/subscriptions', 'items[0][price]=p&backdate_start_date=1600000000'))).toMatch(/backdate/);
    expect(estimate('POST', '/v1/subscriptions/sub_1', 'metadata[k]=v&cancel_at_period_end=true')).toEqual({ kind: 'free' });
    expect(reason(estimate('POST', '/v1/subscriptions/sub_1', 'items[0][price]=price_2&proration_behavior=always_invoice'))).toMatch(
      /items, proration_behavior/,
    );
    expect(estimate('DELETE', '/v1/subscriptions/sub_1')).toEqual({ kind: 'free' });
    expect(reason(estimate('DELETE', '/v1/subscriptions/sub_1?invoice_now=true'))).toMatch(/invoice_now/);
  });
});

describe('stripe settledAmount: what the 2xx response says moved', () => {
  const settle = (method: string, target: string, body: string, response: unknown) => {
    return stripePack.settledAmount!(parsedCall(method, target, body).op, response, estimate(method, target, body));
  };

  it('reads the amount from refunds, payouts, transfers, reversals and fee refunds', () => {
    expect(settle('POST', '/v1/refunds', 'charge=ch_1', { object: 'refund', amount: 7500, currency: 'usd' })).toEqual({ amount: 7500, currency: 'usd' });
    expect(settle('POST', '/v1/payouts', 'amount=100&currency=usd', { amount: 100, currency: 'usd' })).toEqual({ amount: 100, currency: 'usd' });
    expect(settle('POST', '/v1/transfers/tr_1/reversals', '', { amount: 40, currency: 'usd' })).toEqual({ amount: 40, currency: 'usd' });
  });

  it('counts a charge when captured and an authorization-only charge as 0 (the capture counts)', () => {
    const body = 'amount=4000&currency=usd';
    expect(settle('POST', '/v1/charges', body, { amount: 4000, amount_captured: 4000, captured: true, currency: 'usd' })).toEqual({
      amount: 4000,
      currency: 'usd',
    });
    expect(settle('POST', '/v1/charges', `${body}&capture=false`, { amount: 4000, amount_captured: 0, captured: false, currency: 'usd' })).toEqual({
      amount: 0,
      currency: 'usd',
    });
    expect(settle('POST', '/v1/charges/ch_1/capture', '', { amount: 4000, amount_captured: 3000, captured: true, currency: 'usd' })).toEqual({
      amount: 3000,
      currency: 'usd',
    });
  });

  it('reads PaymentIntents by status: received, pending money in full, holds as 0', () => {
    const body = 'amount=2000&currency=usd&confirm=true';
    const pi = (status: string, amount_received = 0) => settle('POST', '/v1/payment_intents', body, { status, amount: 2000, amount_received, currency: 'usd' });
    expect(pi('succeeded', 2000)).toEqual({ amount: 2000, currency: 'usd' });
    expect(pi('processing')).toEqual({ amount: 2000, currency: 'usd' });
    expect(pi('requires_action')).toEqual({ amount: 2000, currency: 'usd' });
    expect(pi('requires_capture')).toEqual({ amount: 0, currency: 'usd' });
    expect(pi('something_new')).toBeUndefined();
  });

  it('reads invoice amount_paid and credit note refunds; keeps the estimate when undeterminable', () => {
    expect(settle('POST', '/v1/invoices/in_1/pay', '', { amount_paid: 3000, currency: 'usd' })).toEqual({ amount: 3000, currency: 'usd' });
    const note = (refunds: unknown) => settle('POST', '/v1/credit_notes', 'invoice=in_1&refund_amount=700', { refunds, currency: 'usd' });
    expect(note([{ refund: 're_1', amount_refunded: 700 }])).toEqual({ amount: 700, currency: 'usd' });
    expect(note(undefined)).toBeUndefined();
    expect(settle('POST', '/v1/charges', 'amount=1&currency=usd', { error: 'odd' })).toBeUndefined();
    // Nothing was reserved for a free call: nothing to settle.
    expect(settle('POST', '/v1/payment_intents', 'amount=2000&currency=usd', { status: 'succeeded', amount_received: 2000, currency: 'usd' })).toBeUndefined();
  });
});
