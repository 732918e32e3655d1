// One `where` entry of a rule: which value it reads (a dotted body path or a
// header) and the checks on it. Ambiguity is refused: a list or object where
// one value is expected is a miss, and so is a number that is not a canonical
// decimal (never coerced to 0).
import type { FieldConstraint } from './schema.ts';
import type { RuleInput } from './compiled.ts';
import { numericValue } from './decimal.ts';

export const HEADER_PREFIX = 'header:';
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export type FieldKey = { kind: 'header'; name: string } | { kind: 'body'; path: readonly string[] };

/** Parse a `where` key; throws an Error saying what is wrong. */
export function parseFieldKey(key: string): FieldKey {
  if (key.startsWith(HEADER_PREFIX)) {
    const name = key.slice(HEADER_PREFIX.length);
    if (!HEADER_NAME.test(name)) throw new Error(`${JSON.stringify(key)}: ${JSON.stringify(name)} is not a header name`);
    return { kind: 'header', name: name.toLowerCase() };
  }
  const path = key.split('.');
  if (path.some((p) => p === '')) throw new Error(`${JSON.stringify(key)}: empty segment in the dotted path`);
  return { kind: 'body', path };
}

/** A miss message without the rule name (`amount 9000 > max 5000`), or undefined when it holds. */
export type ConstraintCheck = (input: RuleInput) => string | undefined;

export function compileConstraint(key: string, constraint: FieldConstraint): ConstraintCheck {
  const field = parseFieldKey(key);
  const label = field.kind === 'header' ? `header ${key.slice(HEADER_PREFIX.length)}` : key;
  const regex = constraint.matches === undefined ? undefined : new RegExp(constraint.matches);
  const inList = constraint.in?.map(String);
  const notInList = constraint.notIn?.map(String);
  const needsValue = constraint.min !== undefined || constraint.max !== undefined || !!inList || !!regex;

  return (input) => {
    const value = readField(field, input);
    const absent = value === undefined || value === null;
    if (constraint.present === false) return absent ? undefined : `${label} must be absent`;
    if (constraint.present === true && (absent || isEmpty(value))) return `${label} is required`;
    // Only `notIn` holds vacuously for a missing value; every other check needs one.
    if (absent) return needsValue ? `${label} is required` : undefined;
    if (!needsValue && !notInList) return undefined; // presence alone: a list or object may be present
    if (typeof value === 'object') {
      return `${label} must be a single value, found ${Array.isArray(value) ? `a list of ${value.length}` : 'an object'}`;
    }
    if (constraint.min !== undefined || constraint.max !== undefined) {
      const n = numericValue(value);
      if (n === undefined) return `${label} ${show(value)} is not a number`;
      if (constraint.min !== undefined && n < constraint.min) return `${label} ${n} < min ${constraint.min}`;
      if (constraint.max !== undefined && n > constraint.max) return `${label} ${n} > max ${constraint.max}`;
    }
    const text = String(value);
    if (inList && !inList.includes(text)) return `${label} ${show(text)} not in ${showList(inList)}`;
    if (notInList?.includes(text)) return `${label} ${show(text)} is refused (notIn ${showList(notInList)})`;
    if (regex && !regex.test(text)) return `${label} ${show(text)} does not match /${constraint.matches}/`;
    return undefined;
  };
}

function readField(field: FieldKey, input: RuleInput): unknown {
  if (field.kind === 'header') return input.headers[field.name];
  let current: unknown = input.body;
  for (const segment of field.path) {
    if (Array.isArray(current) && /^(0|[1-9][0-9]*)$/.test(segment)) current = current[Number(segment)];
    else if (Array.isArray(current)) return current; // `items.price` over a list: ambiguous, reported as a list
    else if (current !== null && typeof current === 'object' && Object.hasOwn(current, segment)) {
      current = (current as Record<string, unknown>)[segment];
    } else return undefined;
  }
  return current;
}

function isEmpty(value: unknown): boolean {
  if (value === '') return true;
  if (Array.isArray(value)) return value.length === 0;
  return typeof value === 'object' && value !== null && Object.keys(value).length === 0;
}

/** Values come from the agent's own request; shortened so a message never carries a whole blob. */
function show(value: unknown): string {
  const text = String(value);
  return JSON.stringify(text.length > 64 ? `${text.slice(0, 61)}...` : text);
}

function showList(items: readonly string[]): string {
  const shown = items.slice(0, 10).join(', ');
  return `[${shown}${items.length > 10 ? `, … ${items.length - 10} more` : ''}]`;
}
