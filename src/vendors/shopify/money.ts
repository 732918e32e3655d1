// Shopify money: decimal strings ("12.50") in a currency the request names
// (MoneyInput.currencyCode, RefundInput.currency) or else the shop's. Converted
// exactly to integer minor units; a negative, exponent or over-precise amount
// is not a price keybrake will guess at.
import { currencyCodeOf, currencyDecimals, parseMajor } from '../../money/money.ts';
import { parseDecimal } from '../../money/decimal.ts';

export type Minor = { ok: true; amount: number; currency: string } | { ok: false; reason: string };

/** `value` (a decimal string, or a JSON number written without exponent) in minor units of `currency`. */
export function toMinor(value: unknown, currency: string, where: string): Minor {
  const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : value;
  if (typeof text !== 'string') return { ok: false, reason: `${where} is missing or not a decimal amount` };
  const d = parseDecimal(text);
  if (!d) return { ok: false, reason: `${where} ${JSON.stringify(text.slice(0, 40))} is not a non-negative decimal amount like "12.50"` };
  // "10.000" is 10.00 exactly: trailing zeros past the currency's decimals are not precision.
  const decimals = currencyDecimals(currency);
  const fraction = d.fraction.replace(/0+$/, '');
  if (fraction.length > decimals) return { ok: false, reason: `${where} ${text} has more decimals than ${currency.toUpperCase()} (${decimals})` };
  try {
    return { ok: true, amount: parseMajor(fraction ? `${d.whole}.${fraction}` : d.whole, currency), currency };
  } catch (err) {
    return { ok: false, reason: `${where}: ${(err as Error).message}` };
  }
}

/** A Shopify CurrencyCode (`USD`) as keybrake's lowercase code, or undefined when it is not one. */
export function currencyOf(code: unknown): string | undefined {
  // Shopify's CurrencyCode enum is upper case: anything else is not one of its values.
  return typeof code === 'string' && code === code.toUpperCase() ? currencyCodeOf(code) : undefined;
}

/** Sum amounts that must share one currency. */
export function sumMinor(items: readonly Minor[], none: string): Minor {
  let total = 0;
  let currency: string | undefined;
  for (const item of items) {
    if (!item.ok) return item;
    if (currency !== undefined && item.currency !== currency) {
      return { ok: false, reason: `amounts in ${currency.toUpperCase()} and ${item.currency.toUpperCase()} in one request; send them separately` };
    }
    currency = item.currency;
    total += item.amount;
    if (!Number.isSafeInteger(total)) return { ok: false, reason: 'the amounts add up to more than keybrake can count exactly' };
  }
  return currency === undefined ? { ok: false, reason: none } : { ok: true, amount: total, currency };
}
