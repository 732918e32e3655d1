// The one decimal reader and the one currency-code check every money path uses.
import { describe, expect, it } from 'vitest';
import { decimalFraction, parseDecimal } from '../../src/money/decimal.ts';
import { currencyCodeOf, isCurrencyCode } from '../../src/money/money.ts';

describe('parseDecimal', () => {
  it.each([
    ['12.50', { whole: '12', fraction: '50' }],
    ['0.0079', { whole: '0', fraction: '0079' }],
    ['500', { whole: '500', fraction: '' }],
  ])('%s is a decimal', (text, want) => {
    expect(parseDecimal(text)).toEqual(want);
  });

  it.each(['', '-1', '+1', '1e3', '01', '1.', '.5', ' 1', '1,5', '0x10', 'NaN'])('%j is not one', (text) => {
    expect(parseDecimal(text)).toBeUndefined();
  });

  it('gives the exact fraction', () => {
    expect(decimalFraction(parseDecimal('0.0079')!)).toEqual({ num: 79n, den: 10000n });
    expect(decimalFraction(parseDecimal('12')!)).toEqual({ num: 12n, den: 1n });
  });
});

describe('currency codes', () => {
  it.each([
    ['usd', true, 'usd'],
    ['USD', false, 'usd'],
    ['Eur', false, 'eur'],
    ['us', false, undefined],
    ['usdd', false, undefined],
    ['u$d', false, undefined],
    [42, false, undefined],
    [undefined, false, undefined],
  ])('%j: policy code %s, read as %s', (value, policyCode, read) => {
    expect(isCurrencyCode(value)).toBe(policyCode);
    expect(currencyCodeOf(value)).toBe(read);
  });
});
