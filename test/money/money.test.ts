import { describe, expect, it } from 'vitest';
import { convertMinor, currencyDecimals, formatMinor, parseMajor, parseRate } from '../../src/money/money.ts';

describe('currency decimals', () => {
  it('knows zero-, two- and three-decimal currencies, case-insensitively', () => {
    expect(currencyDecimals('jpy')).toBe(0);
    expect(currencyDecimals('KRW')).toBe(0);
    expect(currencyDecimals('usd')).toBe(2);
    expect(currencyDecimals('isk')).toBe(2); // two-decimal in Stripe's API
    expect(currencyDecimals('kwd')).toBe(3);
    expect(currencyDecimals('bhd')).toBe(3);
  });

  it('refuses something that is not a currency code', () => {
    expect(() => currencyDecimals('dollars')).toThrow(/currency code/);
    expect(() => currencyDecimals('')).toThrow(/currency code/);
  });
});

describe('parseMajor: policy amounts into minor units', () => {
  it('scales by the currency decimals', () => {
    expect(parseMajor('500.00', 'usd')).toBe(50000);
    expect(parseMajor('500', 'usd')).toBe(50000);
    expect(parseMajor('0.5', 'eur')).toBe(50);
    expect(parseMajor('1000', 'jpy')).toBe(1000);
    expect(parseMajor('12.34', 'kwd')).toBe(12340);
    expect(parseMajor('12.345', 'kwd')).toBe(12345);
  });

  it('refuses more decimals than the currency has, naming both', () => {
    expect(() => parseMajor('100.5', 'jpy')).toThrow(/1 decimals; JPY has 0/);
    expect(() => parseMajor('1.001', 'usd')).toThrow(/3 decimals; USD has 2/);
    expect(() => parseMajor('1.0001', 'kwd')).toThrow(/KWD has 3/);
  });

  it('refuses negatives, exponents, blanks, separators and overflow', () => {
    for (const bad of ['-5.00', '+5', '1e3', '', ' 5', '5.', '.5', '1,000.00', '0x10', 'NaN']) {
      expect(() => parseMajor(bad, 'usd'), bad).toThrow(/not a non-negative decimal/);
    }
    expect(() => parseMajor('99999999999999999', 'usd')).toThrow(/too large/);
  });
});

describe('formatMinor: amounts people read in refusals', () => {
  it('formats exactly, with a symbol only where it is unambiguous', () => {
    expect(formatMinor(48000, 'usd')).toBe('$480.00');
    expect(formatMinor(5, 'usd')).toBe('$0.05');
    expect(formatMinor(0, 'usd')).toBe('$0.00');
    expect(formatMinor(1000, 'jpy')).toBe('¥1000');
    expect(formatMinor(12340, 'kwd')).toBe('12.340 KWD');
    expect(formatMinor(199, 'CAD')).toBe('1.99 CAD');
    expect(formatMinor(1050, 'eur')).toBe('€10.50');
    expect(formatMinor(-250, 'usd')).toBe('-$2.50');
  });
});

describe('parseRate and convertMinor: fx into the cap currency', () => {
  it('parses a decimal rate into an exact reduced fraction', () => {
    expect(parseRate('1.08')).toEqual({ num: 27n, den: 25n });
    expect(parseRate('150')).toEqual({ num: 150n, den: 1n });
    expect(parseRate('0.0067')).toEqual({ num: 67n, den: 10000n });
  });

  it('refuses zero, negative and non-decimal rates', () => {
    for (const bad of ['0', '0.00', '-1.08', '1e2', 'abc', '']) expect(() => parseRate(bad), bad).toThrow();
  });

  it('converts EUR to USD exactly, rounding up so caps never under-count', () => {
    const rate = parseRate('1.08');
    expect(convertMinor(1000, 'eur', 'usd', rate)).toBe(1080); // €10.00 → $10.80 exactly
    expect(convertMinor(1, 'eur', 'usd', rate)).toBe(2); // 1.08 cents → 2 cents, not 1
    expect(convertMinor(12345, 'eur', 'usd', parseRate('1.0833'))).toBe(13374); // 13373.3385 → 13374
    expect(convertMinor(0, 'eur', 'usd', rate)).toBe(0);
  });

  it('accounts for different decimals on each side', () => {
    expect(convertMinor(1000, 'jpy', 'usd', parseRate('0.0067'))).toBe(670); // ¥1000 → $6.70
    expect(convertMinor(1001, 'jpy', 'usd', parseRate('0.0067'))).toBe(671); // $6.7067 → $6.71
    expect(convertMinor(100, 'usd', 'jpy', parseRate('149.5'))).toBe(150); // $1.00 → ¥149.5 → ¥150
    expect(convertMinor(12340, 'kwd', 'usd', parseRate('3.25'))).toBe(4011); // 12.340 KWD → $40.105 → $40.11
  });

  it('refuses amounts that are not non-negative safe integers, and results past 2^53', () => {
    expect(() => convertMinor(-1, 'eur', 'usd', parseRate('1.08'))).toThrow(/non-negative integer/);
    expect(() => convertMinor(1.5, 'eur', 'usd', parseRate('1.08'))).toThrow(/non-negative integer/);
    expect(() => convertMinor(Number.MAX_SAFE_INTEGER, 'jpy', 'kwd', parseRate('2'))).toThrow(/too large/);
  });
});
