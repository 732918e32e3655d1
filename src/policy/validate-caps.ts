// Validation of `caps` of one vendor entry: window, time zone, exactly one
// limit, scope and operations.
import type { Cap } from './schema.ts';
import type { VendorPack } from '../vendors/pack.ts';
import { CALENDAR_WINDOWS, capName, isCalendarWindow } from './caps.ts';
import { isDuration } from './duration.ts';
import { parseMajor } from '../money/money.ts';
import {
  CURRENCY, describe, isNonEmptyString, isPositiveInteger, optionalChoice, requireList, requireMapping,
  uniqueValues, type Fields, type Report,
} from './checks.ts';
import { checkOperationIds } from './validate-rules.ts';

const LIMITS = ['maxSpend', 'maxRequests', 'maxUnits'] as const;

export function validateCaps(caps: unknown, path: string, report: Report, pack: VendorPack | undefined): void {
  if (caps === undefined || !requireList(caps, path, report)) return;
  const names: Array<{ value: unknown; path: string }> = [];
  caps.forEach((cap, i) => {
    const at = `${path}[${i}]`;
    if (!requireMapping(cap, at, report)) return;
    if (cap.name !== undefined && !isNonEmptyString(cap.name)) report(`${at}.name`, `must be a non-empty string, found ${describe(cap.name)}`);
    validateWindow(cap, at, report);
    validateLimit(cap, at, report);
    optionalChoice(cap.per, ['key', 'run'], `${at}.per`, report);
    if (cap.operations !== undefined && requireList(cap.operations, `${at}.operations`, report)) {
      if (cap.operations.length === 0) report(`${at}.operations`, 'is empty: omit it to count every operation');
      if (pack) checkOperationIds(cap.operations, `${at}.operations`, report, pack, false);
    }
    if (pack && isNonEmptyString(cap.window)) names.push({ value: capName(cap as unknown as Cap, pack.id), path: `${at}.name` });
  });
  // Names label metrics and /status; two caps of one entry must not share one.
  uniqueValues(names, 'cap name', report, ' (give one of the caps a name)');
}

function validateWindow(cap: Fields, at: string, report: Report): void {
  const { window, timeZone } = cap;
  if (!isDuration(window) && !isCalendarWindow(window)) {
    report(`${at}.window`, `${describe(window)} is not a duration (1m, 1h, 24h, 7d) or a calendar period (${CALENDAR_WINDOWS.join(', ')})`);
  }
  if (timeZone === undefined) return;
  if (!isTimeZone(timeZone)) report(`${at}.timeZone`, `${describe(timeZone)} is not an IANA time zone (UTC, Europe/Paris, America/New_York)`);
  else if (!isCalendarWindow(window)) report(`${at}.timeZone`, `applies only to calendar windows (${CALENDAR_WINDOWS.join(', ')}); a rolling window has no time zone`);
}

function validateLimit(cap: Fields, at: string, report: Report): void {
  const given = LIMITS.filter((k) => cap[k] !== undefined);
  if (given.length !== 1) {
    report(at, `needs exactly one of ${LIMITS.join(', ')}${given.length ? `, found ${given.join(' and ')}` : ''}`);
    return;
  }
  const value = cap[given[0]];
  const path = `${at}.${given[0]}`;
  if (given[0] === 'maxRequests') {
    if (!isPositiveInteger(value)) report(path, `must be a positive whole number, found ${describe(value)}`);
  } else if (given[0] === 'maxUnits') {
    if (!requireMapping(value, path, report)) return;
    if (!isPositiveInteger(value.count)) report(`${path}.count`, `must be a positive whole number, found ${describe(value.count)}`);
    if (!isNonEmptyString(value.unit)) report(`${path}.unit`, `must name a unit (recipients, emails, segments, messages), found ${describe(value.unit)}`);
  } else if (requireMapping(value, path, report)) {
    validateMoney(value, path, report);
  }
}

function validateMoney(money: Fields, path: string, report: Report): void {
  const { amount, currency } = money;
  if (typeof currency !== 'string' || !CURRENCY.test(currency)) {
    report(`${path}.currency`, `must be a lowercase ISO currency code (usd, eur, jpy), found ${describe(currency)}`);
    return;
  }
  if (typeof amount !== 'string') {
    // YAML reads an unquoted 500.00 as the number 500: quoting keeps the decimals the author meant.
    report(`${path}.amount`, `must be a quoted decimal string like "500.00", found ${describe(amount)}`);
    return;
  }
  try {
    parseMajor(amount, currency);
  } catch (err) {
    report(`${path}.amount`, (err as Error).message);
  }
}

function isTimeZone(value: unknown): value is string {
  if (typeof value !== 'string' || value === '') return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}
