// Currency facts and exact money math. Money is integer minor units (safe
// integers); decimals and rates are parsed into bigints, never floats, and
// conversions round UP so a cap never under-counts.
import { decimalFraction, parseDecimal } from './decimal.ts';

/** A decimal rate as an exact fraction: value = num / den. */
export interface Rate {
  num: bigint;
  den: bigint;
}

/** Stripe's zero-decimal currencies: an amount is whole units. */
export const ZERO_DECIMAL: ReadonlySet<string> = new Set([
  'bif',
  'clp',
  'djf',
  'gnf',
  'jpy',
  'kmf',
  'krw',
  'mga',
  'pyg',
  'rwf',
  'ugx',
  'vnd',
  'vuv',
  'xaf',
  'xof',
  'xpf',
]);

/** Three-decimal currencies (amounts in thousandths). Stripe's exact list is unverified; this is the consistent one. */
export const THREE_DECIMAL: ReadonlySet<string> = new Set(['bhd', 'jod', 'kwd', 'omr', 'tnd']);

/** Symbols only where they are unambiguous; everything else prints its code. */
const SYMBOLS: Readonly<Record<string, string>> = { usd: '$', eur: '€', gbp: '£', jpy: '¥' };

const CURRENCY = /^[a-z]{3}$/;

/** A lowercase three-letter code (usd, eur): what policies write and keybrake's amounts carry. */
export function isCurrencyCode(value: unknown): value is string {
  return typeof value === 'string' && CURRENCY.test(value);
}

/** A code in any case ("USD", "usd") as keybrake's lowercase one; undefined when it is not three letters. */
export function currencyCodeOf(value: unknown): string | undefined {
  const cur = typeof value === 'string' ? value.toLowerCase() : undefined;
  return isCurrencyCode(cur) ? cur : undefined;
}

function normalize(currency: string): string {
  const cur = currencyCodeOf(currency);
  if (!cur) throw new Error(`'${currency.slice(0, 20)}' is not a three-letter ISO currency code`);
  return cur;
}

/** Digits after the decimal point in the currency's minor unit (ISK and HUF are two in Stripe's API). */
export function currencyDecimals(currency: string): number {
  const cur = normalize(currency);
  if (ZERO_DECIMAL.has(cur)) return 0;
  if (THREE_DECIMAL.has(cur)) return 3;
  return 2;
}

/** "500.00" usd → 50000. Refuses signs, exponents and more decimals than the currency has. */
export function parseMajor(amount: string, currency: string): number {
  const decimals = currencyDecimals(currency);
  const d = parseDecimal(amount);
  if (!d) throw new Error(`amount '${amount.slice(0, 40)}' is not a non-negative decimal number like "500.00"`);
  if (d.fraction.length > decimals) {
    throw new Error(`amount '${amount}' has ${d.fraction.length} decimals; ${currency.toUpperCase()} has ${decimals}`);
  }
  const minor = BigInt(d.whole + d.fraction.padEnd(decimals, '0'));
  return toSafe(minor, `amount '${amount}'`);
}

/** 48000 usd → "$480.00"; 1000 jpy → "¥1000"; 12340 kwd → "12.340 KWD". Exact, no grouping. */
export function formatMinor(minor: number, currency: string): string {
  const decimals = currencyDecimals(currency);
  const cur = currency.toLowerCase();
  const sign = minor < 0 ? '-' : '';
  const digits = String(Math.abs(Math.trunc(minor))).padStart(decimals + 1, '0');
  const number = decimals === 0 ? digits : `${digits.slice(0, -decimals)}.${digits.slice(-decimals)}`;
  const symbol = SYMBOLS[cur];
  return symbol === undefined ? `${sign}${number} ${cur.toUpperCase()}` : `${sign}${symbol}${number}`;
}

/** "1.08" → 108/100 (reduced). A rate must be a positive plain decimal. */
export function parseRate(s: string): Rate {
  const d = parseDecimal(s.trim());
  if (!d) throw new Error(`rate '${s.slice(0, 40)}' is not a positive decimal number like "1.08"`);
  const { num, den } = decimalFraction(d);
  if (num === 0n) throw new Error(`rate '${s}' is zero; a conversion rate must be positive`);
  const g = gcd(num, den);
  return { num: num / g, den: den / g };
}

/**
 * `amount` minor units of `from` → minor units of `to`, where `rate` is units
 * of `to` per one unit of `from`. Exact, rounded up (ceil).
 */
export function convertMinor(amount: number, from: string, to: string, rate: Rate): number {
  if (!Number.isSafeInteger(amount) || amount < 0) throw new Error(`amount ${amount} is not a non-negative integer of minor units`);
  if (rate.num <= 0n || rate.den <= 0n) throw new Error('conversion rate must be positive');
  const num = BigInt(amount) * rate.num * 10n ** BigInt(currencyDecimals(to));
  const den = rate.den * 10n ** BigInt(currencyDecimals(from));
  return toSafe((num + den - 1n) / den, `${formatMinor(amount, from)} in ${to.toUpperCase()}`);
}

function toSafe(value: bigint, what: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`${what} is too large`);
  return Number(value);
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}
