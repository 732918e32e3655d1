// Form-encoded bodies carry every leaf as a string. A leaf is read as a number
// only when it is a canonical decimal ("5000", "-1.5"): no sign but '-', no
// leading zeros, no exponent, no spaces — so garbage is never coerced to 0 or
// to a number the vendor would read differently.

const CANONICAL_DECIMAL = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?$/;

/** The number a body leaf stands for, or undefined when it is not one. */
export function numericValue(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string' || !CANONICAL_DECIMAL.test(value)) return undefined;
  const n = Number(value);
  // Integers beyond 2^53 would silently round; refuse them rather than compare a neighbour.
  return Number.isInteger(n) && !Number.isSafeInteger(n) ? undefined : n;
}
