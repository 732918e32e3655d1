// Unit prices from the policy (`unitPrices`) for vendors that bill per message,
// per email or per minute. Prices are exact decimals, often below one minor
// unit ($0.0079 per SMS segment): the total is computed as an exact fraction
// and rounded UP once to whole minor units, so a cap is never under-counted.

/**
 * A vendor entry's `unitPrices`, as packs read it: `default` maps a price name
 * to a decimal amount in `currency`; `byCountry` overrides per destination prefix.
 * (The policy schema's own type has the same shape; packs do not import the policy.)
 */
export interface UnitPrices {
  currency: string;
  default?: Record<string, string>;
  byCountry?: Record<string, Record<string, string>>;
}
import { currencyCodeOf, currencyDecimals } from '../money/money.ts';
import { decimalFraction, parseDecimal } from '../money/decimal.ts';
import { isPlainObject } from '../guards.ts';

const COUNTRY_PREFIX = /^\+\d{1,6}$/;

export type PriceResult = { ok: true; amount: number; currency: string } | { ok: false; reason: string };

/**
 * `count` × a decimal major-unit amount, in minor units of `currency`, rounded
 * up. A leading minus is ignored: Twilio reports charges as negative prices.
 */
export function majorToMinorCeil(decimal: string, currency: string, count = 1): number | undefined {
  const parsed = parseDecimal(decimal.trim().replace(/^-/, ''));
  if (!parsed || !Number.isSafeInteger(count) || count < 0 || !currencyCodeOf(currency)) return undefined;
  const value = decimalFraction(parsed);
  const scaled = BigInt(count) * value.num * 10n ** BigInt(currencyDecimals(currency));
  const minor = (scaled + value.den - 1n) / value.den;
  return minor <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(minor) : undefined;
}

/** Digits of a phone number after an optional channel (`whatsapp:+44…` → `+44…`). */
function e164(destination: string): string | undefined {
  const number = destination.slice(destination.lastIndexOf(':') + 1).replace(/[\s()-]/g, '');
  return /^\+\d+$/.test(number) ? number : undefined;
}

/**
 * The price named `name` for a destination: the longest `byCountry` prefix of
 * the number that lists this price, else `default`. Returns where it came from
 * so refusals can say which table was used.
 */
export function lookupUnitPrice(prices: UnitPrices | undefined, name: string, destination?: string): { price: string; from: string } | undefined {
  const number = destination === undefined ? undefined : e164(destination);
  if (prices?.byCountry && number) {
    const matches = Object.keys(prices.byCountry)
      .filter((prefix) => number.startsWith(prefix) && prices.byCountry![prefix]![name] !== undefined)
      .sort((a, b) => b.length - a.length);
    if (matches[0]) return { price: prices.byCountry[matches[0]]![name]!, from: `unitPrices.byCountry["${matches[0]}"].${name}` };
  }
  const fallback = prices?.default?.[name];
  return fallback === undefined ? undefined : { price: fallback, from: `unitPrices.default.${name}` };
}

/** `count` units of price `name` to `destination`, in minor units of the price currency. */
export function priceUnits(prices: UnitPrices | undefined, name: string, count: number, destination?: string): PriceResult {
  const where = destination ? ` for destination ${destination.slice(0, 40)}` : '';
  if (!prices) return { ok: false, reason: `the policy sets no unitPrices, so the cost of "${name}" is unknown` };
  const found = lookupUnitPrice(prices, name, destination);
  if (!found) {
    return { ok: false, reason: `no unit price "${name}"${where}: add unitPrices.default.${name} or a byCountry entry to the policy` };
  }
  const currency = prices.currency.toLowerCase();
  const amount = majorToMinorCeil(found.price, currency, count);
  if (amount === undefined) return { ok: false, reason: `${found.from} "${found.price}" is not a decimal amount` };
  return { ok: true, amount, currency };
}

/**
 * Policy validation for `unitPrices`: known price names, decimal values,
 * `+digits` country prefixes. The entry comes straight from YAML, so every
 * level is checked for shape before it is read.
 */
export function validateUnitPrices(prices: unknown, names: readonly string[], opts: { byCountry: boolean }): string[] {
  if (prices === undefined) return [];
  if (!isPlainObject(prices)) return ['unitPrices: must be a mapping with currency, default and (optionally) byCountry'];
  const errors: string[] = [];
  if (!currencyCodeOf(prices.currency)) {
    errors.push('unitPrices.currency: must be a three-letter ISO currency code');
  }
  const checkTable = (table: unknown, field: string) => {
    if (table === undefined) return;
    if (!isPlainObject(table)) {
      errors.push(`${field}: must be a mapping of price name to decimal string`);
      return;
    }
    for (const [name, value] of Object.entries(table)) {
      if (!names.includes(name)) errors.push(`${field}.${name}: unknown price name; valid names: ${names.join(', ')}`);
      else if (typeof value !== 'string' || !parseDecimal(value)) {
        errors.push(`${field}.${name}: must be a non-negative decimal string such as "0.0079"`);
      }
    }
  };
  checkTable(prices.default, 'unitPrices.default');
  if (prices.byCountry === undefined) return errors;
  if (!opts.byCountry) {
    errors.push('unitPrices.byCountry: this vendor does not price by destination country; use unitPrices.default');
  } else if (!isPlainObject(prices.byCountry)) {
    errors.push('unitPrices.byCountry: must be a mapping of E.164 prefix to prices');
  } else {
    for (const [prefix, table] of Object.entries(prices.byCountry)) {
      if (!COUNTRY_PREFIX.test(prefix)) errors.push(`unitPrices.byCountry["${prefix}"]: must be an E.164 prefix such as "+44"`);
      checkTable(table, `unitPrices.byCountry["${prefix}"]`);
    }
  }
  return errors;
}
