// Shopify money: decimal strings ("12.50") in a currency the request names
// (MoneyInput.currencyCode, RefundInput.currency) or else the shop's. Converted
// exactly to integer minor units; a negative, exponent or over-precise amount
// is not a price keybrake will guess at.
import { currencyDecimals, parseMajor } from '../../money/money.ts';

export type Minor = { ok: true; amount: number; currency: string } | { ok: false; reason: string };

const DECIMAL = /^(0|[1-9][0-9]*)(?:\.([0-9]+))?$/;

/** `value` (a decimal string, or a JSON number written without exponent) in minor units of `currency`. */
export function toMinor(value: unknown, currency: string, where: string): Minor {
  const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : value;
  if (typeof text !== 'string') return { ok: false, reason: `${where} is missing or not a decimal amount` };
  const m = DECIMAL.exec(text);
  if (!m) return { ok: false, reason: `${where} ${JSON.stringify(text.slice(0, 40))} is not a non-negative decimal amount like "12.50"` };
  // "10.000" is 10.00 exactly: trailing zeros past the currency's decimals are not precision.
  const decimals = currencyDecimals(currency);
  const fraction = (m[2] ?? '').replace(/0+$/, '');
  if (fraction.length > decimals) return { ok: false, reason: `${where} ${text} has more decimals than ${currency.toUpperCase()} (${decimals})` };
  try {
    return { ok: true, amount: parseMajor(fraction ? `${m[1]}.${fraction}` : m[1]!, currency), currency };
  } catch (err) {
    return { ok: false, reason: `${where}: ${(err as Error).message}` };
  }
}

/** A Shopify CurrencyCode (`USD`) as keybrake's lowercase code, or undefined when it is not one. */
export function currencyOf(code: unknown): string | undefined {
  return typeof code === 'string' && /^[A-Z]{3}$/.test(code) ? code.toLowerCase() : undefined;
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
