// What the schema cannot express about one schema-valid vendor entry: operation
// ids the vendor's pack knows, CEL that compiles, `where` keys and regexes,
// amounts that fit the currency, IANA time zones, default cap names that
// collide, and the pack's own checks (unit prices, call minutes…).
import type { Cap, FieldConstraint, Rule, VendorEntry } from './schema.ts';
import type { VendorPack } from '../vendors/pack.ts';
import type { FieldProblem } from './schema-check.ts';
import { isAllowPattern, parseAllowPattern } from './allow-pattern.ts';
import { parseFieldKey } from './constraint.ts';
import { compileCel } from './cel.ts';
import { compilePolicyRegex } from './regex.ts';
import { CALENDAR_WINDOWS, capName, isCalendarWindow } from './caps.ts';
import { isCurrencyCode, parseMajor, parseRate } from '../money/money.ts';
import { childPath } from './field-path.ts';
import { closestName } from './did-you-mean.ts';

export type PackLookup = (id: string) => VendorPack | undefined;
type Report = (path: string, message: string) => void;

export function entryProblems(entry: VendorEntry, path: string, pack: VendorPack): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const report: Report = (at, message) => problems.push({ path: at, message });
  (entry.rules ?? []).forEach((rule, i) => checkRule(rule, childPath(childPath(path, 'rules'), i), report, pack));
  checkCaps(entry.caps ?? [], childPath(path, 'caps'), report, pack);
  for (const [currency, rate] of Object.entries(entry.fx ?? {})) {
    const at = childPath(childPath(path, 'fx'), currency);
    if (!isCurrencyCode(currency)) report(at, `${JSON.stringify(currency)} is not a lowercase ISO currency code (eur, gbp)`);
    attempt(at, report, () => parseRate(rate));
  }
  try {
    for (const message of pack.validateEntry?.(entry) ?? []) report(path, message);
  } catch (err) {
    // A pack reading an odd entry must not take validation down with it.
    report(path, `${pack.id} settings could not be checked: ${(err as Error).message}`);
  }
  return problems;
}

function checkRule(rule: Rule, at: string, report: Report, pack: VendorPack): void {
  checkOperationIds(rule.allow, childPath(at, 'allow'), report, pack, true);
  for (const [key, constraint] of Object.entries(rule.where ?? {})) {
    const field = childPath(childPath(at, 'where'), key);
    attempt(field, report, () => parseFieldKey(key));
    checkConstraint(constraint, field, report);
  }
  if (rule.cel !== undefined) attempt(childPath(at, 'cel'), report, () => compileCel(rule.cel!));
}

function checkConstraint(c: FieldConstraint, at: string, report: Report): void {
  if (c.min !== undefined && c.max !== undefined && c.min > c.max) report(at, `min ${c.min} > max ${c.max}: nothing could match`);
  if (c.present === false && Object.keys(c).length > 1) {
    report(at, 'present: false cannot be combined with other constraints (the field must be absent)');
  }
  if (c.matches !== undefined) {
    try {
      compilePolicyRegex(c.matches); // the engine rules run on (RE2), so validation and evaluation agree
    } catch (err) {
      report(childPath(at, 'matches'), `does not compile: ${(err as Error).message}`);
    }
  }
}

/** Each entry must be an operation id of `pack` (or, with `patterns`, a METHOD /path pattern). */
function checkOperationIds(entries: readonly string[], path: string, report: Report, pack: VendorPack, patterns: boolean): void {
  const known = new Set(pack.operations.map((op) => op.id));
  entries.forEach((entry, j) => {
    const at = childPath(path, j);
    if (patterns && isAllowPattern(entry)) attempt(at, report, () => parseAllowPattern(entry));
    else if (!known.has(entry) && !pack.namesOperation?.(entry, !patterns)) {
      const hint = patterns ? ' (or METHOD /path for an endpoint the pack does not know)' : '';
      const guess = closestName(entry, [...known]);
      const mean = guess ? `did you mean "${guess}"? ` : '';
      report(at, `unknown ${pack.id} operation ${JSON.stringify(entry)}; ${mean}valid ids: ${[...known].join(', ')}${hint}`);
    }
  });
}

function checkCaps(caps: readonly Cap[], path: string, report: Report, pack: VendorPack): void {
  const names = new Map<string, boolean>(); // name → given explicitly
  caps.forEach((cap, i) => {
    const at = childPath(path, i);
    if (cap.timeZone !== undefined) {
      if (!isTimeZone(cap.timeZone))
        report(childPath(at, 'timeZone'), `${JSON.stringify(cap.timeZone)} is not an IANA time zone (UTC, Europe/Paris, America/New_York)`);
      else if (!isCalendarWindow(cap.window))
        report(childPath(at, 'timeZone'), `applies only to calendar windows (${CALENDAR_WINDOWS.join(', ')}); a rolling window has no time zone`);
    }
    if (cap.maxSpend) attempt(childPath(childPath(at, 'maxSpend'), 'amount'), report, () => parseMajor(cap.maxSpend!.amount, cap.maxSpend!.currency));
    if (cap.operations) checkOperationIds(cap.operations, childPath(at, 'operations'), report, pack, false);
    // Names label metrics and /status. Two explicit equal names are the schema's rule; defaults collide here.
    const name = capName(cap, pack.id);
    const explicit = cap.name !== undefined;
    if (names.has(name) && !(explicit && names.get(name))) {
      report(childPath(at, 'name'), `cap name ${JSON.stringify(name)} is used twice; it must be unique (give one of the caps a name)`);
    }
    names.set(name, explicit);
  });
}

function attempt(at: string, report: Report, check: () => unknown): void {
  try {
    check();
  } catch (err) {
    report(at, (err as Error).message);
  }
}

function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}
