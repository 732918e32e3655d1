// Small shape checks shared by the validators. Documents come from YAML or the
// Kubernetes API, so every field is `unknown` until checked here.

/** Records one problem at a field path relative to the document (`spec.vendors[0].caps[1].window`). */
export type Report = (path: string, message: string) => void;

export type Fields = Record<string, unknown>;

export function isMapping(value: unknown): value is Fields {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '';
}

export function isPositiveInteger(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) > 0;
}

/** A value as a message shows it: short, quoted, and never a whole blob. */
export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (isMapping(value)) return 'a mapping';
  if (typeof value === 'string' && value.length > 60) return JSON.stringify(`${value.slice(0, 57)}...`);
  return JSON.stringify(value);
}

export function requireMapping(value: unknown, path: string, report: Report): value is Fields {
  if (isMapping(value)) return true;
  report(path, `must be a mapping, found ${describe(value)}`);
  return false;
}

export function requireList(value: unknown, path: string, report: Report): value is unknown[] {
  if (Array.isArray(value)) return true;
  report(path, `must be a list, found ${describe(value)}`);
  return false;
}

export function requireString(value: unknown, path: string, report: Report): value is string {
  if (isNonEmptyString(value)) return true;
  report(path, value === undefined ? 'is required' : `must be a non-empty string, found ${describe(value)}`);
  return false;
}

/** Reports `value` unless it is undefined or one of `choices`. */
export function optionalChoice(value: unknown, choices: readonly string[], path: string, report: Report): void {
  if (value !== undefined && !choices.includes(value as string)) {
    report(path, `must be one of ${choices.join(', ')}, found ${describe(value)}`);
  }
}

export function optionalBoolean(value: unknown, path: string, report: Report): void {
  if (value !== undefined && typeof value !== 'boolean') report(path, `must be true or false, found ${describe(value)}`);
}

/** Reports each entry that repeats an earlier one; `what` names the entries ("agent key id"). */
export function uniqueValues(values: Array<{ value: unknown; path: string }>, what: string, report: Report, hint = ''): void {
  const seen = new Set<unknown>();
  for (const { value, path } of values) {
    if (value === undefined) continue;
    if (seen.has(value)) report(path, `${what} ${describe(value)} is used twice; it must be unique${hint}`);
    seen.add(value);
  }
}

const LABEL = '[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?';
const HOSTNAME = new RegExp(`^(?=.{1,253}$)${LABEL}(\\.${LABEL})*$`);

/** Lowercase DNS name; with `wildcard`, also `*.suffix`. Kubernetes object names use the same rule. */
export function isHostname(value: unknown, wildcard = false): value is string {
  if (typeof value !== 'string') return false;
  if (wildcard && value.startsWith('*.')) {
    const suffix = value.slice(2);
    return HOSTNAME.test(suffix) && suffix.includes('.'); // `*.com` would pass a whole TLD
  }
  return HOSTNAME.test(value);
}

export const CURRENCY = /^[a-z]{3}$/;
