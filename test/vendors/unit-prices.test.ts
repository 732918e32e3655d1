import { describe, expect, it } from 'vitest';
import { lookupUnitPrice, majorToMinorCeil, priceUnits, validateUnitPrices } from '../../src/vendors/unit-prices.ts';
import type { UnitPrices } from '../../src/policy/schema.ts';

const prices: UnitPrices = {
  currency: 'USD',
  default: { sms: '0.05', mms: '0.10' },
  byCountry: { '+1': { sms: '0.0079' }, '+1787': { sms: '0.02' } },
};

describe('unit prices', () => {
  it('multiplies exactly and rounds up once to minor units of the currency', () => {
    expect(majorToMinorCeil('0.0079', 'usd', 100)).toBe(79);
    expect(majorToMinorCeil('0.0079', 'usd', 101)).toBe(80);
    expect(majorToMinorCeil('-8.5', 'jpy')).toBe(9); // zero-decimal currency
    expect(majorToMinorCeil('0.0015', 'kwd', 3)).toBe(5); // three-decimal currency: 4.5 fils → 5
    expect(majorToMinorCeil('1e3', 'usd')).toBeUndefined();
    expect(majorToMinorCeil('1.00', 'dollars')).toBeUndefined();
  });

  it('takes the longest country prefix that lists the price, else the default', () => {
    expect(lookupUnitPrice(prices, 'sms', '+17875550100')).toEqual({ price: '0.02', from: 'unitPrices.byCountry["+1787"].sms' });
    expect(lookupUnitPrice(prices, 'sms', '+14155550100')?.price).toBe('0.0079');
    // +1 has no mms price: the default applies.
    expect(lookupUnitPrice(prices, 'mms', '+14155550100')).toEqual({ price: '0.10', from: 'unitPrices.default.mms' });
    expect(lookupUnitPrice(prices, 'call_minute', '+14155550100')).toBeUndefined();
  });

  it('answers in the lowercase price currency', () => {
    expect(priceUnits(prices, 'sms', 2, '+447700900123')).toEqual({ ok: true, amount: 10, currency: 'usd' });
  });

  it('refuses country prices for vendors that do not price by destination', () => {
    expect(validateUnitPrices({ currency: 'usd', byCountry: { '+1': { email: '0.001' } } }, ['email'], { byCountry: false })).toEqual([
      'unitPrices.byCountry: this vendor does not price by destination country; use unitPrices.default',
    ]);
    expect(validateUnitPrices({ currency: 'dollars', default: { email: '0.001' } }, ['email'], { byCountry: false })).toEqual([
      'unitPrices.currency: must be a three-letter ISO currency code',
    ]);
  });
});
