// Validation of `rules` of one vendor entry: unique names, allow entries known
// to the vendor's pack (or well-formed METHOD /path patterns), well-typed
// `where` constraints and CEL that compiles.
import type { VendorPack } from '../vendors/pack.ts';
import { isAllowPattern, parseAllowPattern } from './allow-pattern.ts';
import { parseFieldKey } from './constraint.ts';
import { compileCel } from './cel.ts';
import { compilePolicyRegex } from './regex.ts';
import {
  describe, isNonEmptyString, requireList, requireMapping, requireString, uniqueValues, type Fields, type Report,
} from './checks.ts';

const CONSTRAINT_KEYS = ['max', 'min', 'in', 'notIn', 'present', 'matches'];

export function validateRules(rules: unknown, path: string, report: Report, pack: VendorPack | undefined): void {
  if (rules === undefined || !requireList(rules, path, report)) return;
  const names: Array<{ value: unknown; path: string }> = [];
  rules.forEach((rule, i) => {
    const at = `${path}[${i}]`;
    if (!requireMapping(rule, at, report)) return;
    if (requireString(rule.name, `${at}.name`, report)) names.push({ value: rule.name, path: `${at}.name` });
    if (requireList(rule.allow, `${at}.allow`, report)) {
      if (rule.allow.length === 0) report(`${at}.allow`, 'is empty: a rule must allow at least one operation');
      if (pack) checkOperationIds(rule.allow, `${at}.allow`, report, pack, true);
    }
    if (rule.where !== undefined) validateWhere(rule.where, `${at}.where`, report);
    if (rule.cel !== undefined) {
      try {
        compileCel(rule.cel as string);
      } catch (err) {
        report(`${at}.cel`, (err as Error).message);
      }
    }
  });
  uniqueValues(names, 'rule name', report);
}

/** Each entry must be an operation id of `pack` (or, with `patterns`, a METHOD /path pattern). */
export function checkOperationIds(entries: unknown[], path: string, report: Report, pack: VendorPack, patterns: boolean): void {
  const known = new Set(pack.operations.map((op) => op.id));
  entries.forEach((entry, j) => {
    const at = `${path}[${j}]`;
    if (!isNonEmptyString(entry)) return report(at, `must be an operation id, found ${describe(entry)}`);
    if (patterns && isAllowPattern(entry)) {
      try {
        parseAllowPattern(entry);
      } catch (err) {
        report(at, (err as Error).message);
      }
    } else if (!known.has(entry) && !pack.namesOperation?.(entry, !patterns)) {
      const hint = patterns ? ' (or METHOD /path for an endpoint the pack does not know)' : '';
      report(at, `unknown ${pack.id} operation ${JSON.stringify(entry)}; valid ids: ${[...known].join(', ')}${hint}`);
    }
  });
}

function validateWhere(where: unknown, path: string, report: Report): void {
  if (!requireMapping(where, path, report)) return;
  for (const [key, constraint] of Object.entries(where)) {
    const at = `${path}[${JSON.stringify(key)}]`; // keys hold dots and colons
    try {
      parseFieldKey(key);
    } catch (err) {
      report(at, (err as Error).message);
    }
    if (requireMapping(constraint, at, report)) validateConstraint(constraint, at, report);
  }
}

function validateConstraint(c: Fields, at: string, report: Report): void {
  const keys = Object.keys(c);
  // A typo (`maximum`) must not silently drop a limit.
  for (const key of keys.filter((k) => !CONSTRAINT_KEYS.includes(k))) {
    report(`${at}.${key}`, `is not a constraint; use ${CONSTRAINT_KEYS.join(', ')}`);
  }
  if (keys.length === 0) report(at, `is empty: give at least one of ${CONSTRAINT_KEYS.join(', ')}`);
  for (const bound of ['max', 'min'] as const) {
    if (c[bound] !== undefined && !Number.isFinite(c[bound])) report(`${at}.${bound}`, `must be a number, found ${describe(c[bound])}`);
  }
  if (typeof c.min === 'number' && typeof c.max === 'number' && c.min > c.max) {
    report(at, `min ${c.min} > max ${c.max}: nothing could match`);
  }
  for (const list of ['in', 'notIn'] as const) {
    const value = c[list];
    if (value === undefined) continue;
    if (!Array.isArray(value) || value.length === 0) {
      report(`${at}.${list}`, `must be a non-empty list of values, found ${describe(value)}`);
    } else {
      value.forEach((v, k) => {
        if (typeof v !== 'string' && typeof v !== 'number') report(`${at}.${list}[${k}]`, `must be a string or number, found ${describe(v)}`);
      });
    }
  }
  if (c.present !== undefined && typeof c.present !== 'boolean') report(`${at}.present`, `must be true or false, found ${describe(c.present)}`);
  if (c.present === false && keys.length > 1) report(at, 'present: false cannot be combined with other constraints (the field must be absent)');
  if (c.matches !== undefined) validateRegex(c.matches, `${at}.matches`, report);
}

function validateRegex(pattern: unknown, at: string, report: Report): void {
  if (typeof pattern !== 'string') return report(at, `must be a regular expression string, found ${describe(pattern)}`);
  try {
    compilePolicyRegex(pattern); // the engine rules run on (RE2), so validation and evaluation agree
  } catch (err) {
    report(at, `does not compile: ${(err as Error).message}`);
  }
}
