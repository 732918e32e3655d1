// Durations in policies (`500ms`, `60s`, `1m`, `24h`, `7d`) → milliseconds.
// Deliberately narrow: one positive integer and one unit, so a typo like
// `1.5h` or `24 h` is refused instead of guessed.

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

const DURATION = /^([1-9][0-9]{0,5})(ms|s|m|h|d)$/;

/** Milliseconds for a duration string; throws an Error that says what is accepted. */
export function parseDuration(text: string): number {
  const [, count, unit] = (typeof text === 'string' ? DURATION.exec(text) : null) ?? [];
  const unitMs = unit === undefined ? undefined : UNIT_MS[unit];
  if (count === undefined || unitMs === undefined) {
    throw new Error(`${JSON.stringify(text)} is not a duration: use a positive whole number and a unit ms, s, m, h or d (500ms, 60s, 1m, 24h, 7d)`);
  }
  return Number(count) * unitMs;
}

/** True when `text` is a duration parseDuration accepts. */
export function isDuration(text: unknown): text is string {
  return typeof text === 'string' && DURATION.test(text);
}
