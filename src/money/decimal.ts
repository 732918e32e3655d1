// Non-negative decimal strings ("12.50", "0.0079"), read exactly and in one
// way: digits, at most one point, no sign, exponent, space or leading zero
// (so garbage is never coerced, and "1e3" is not a thousand). Money, rates and
// unit prices all go through here; arithmetic on them is done in BigInt.

const DECIMAL = /^(0|[1-9][0-9]*)(?:\.([0-9]+))?$/;

export interface Decimal {
  /** Digits before the point ("12"). */
  whole: string;
  /** Digits after it ("50"), '' when there is no point. */
  fraction: string;
}

/** "12.50" → { whole: '12', fraction: '50' }; undefined when `text` is not such a decimal. */
export function parseDecimal(text: string): Decimal | undefined {
  const m = DECIMAL.exec(text);
  return m ? { whole: m[1]!, fraction: m[2] ?? '' } : undefined;
}

/** Its exact value as num/den ("0.0079" → 79/10000), not reduced. */
export function decimalFraction(d: Decimal): { num: bigint; den: bigint } {
  return { num: BigInt(d.whole + d.fraction), den: 10n ** BigInt(d.fraction.length) };
}
