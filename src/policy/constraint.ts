// One `where` entry of a rule: which value it reads (a dotted body path or a
// header) and the checks on it. `in`, `notIn` and `matches` hold for a list of
// values when every element satisfies them (so one rule covers every
// recipient); anything else ambiguous is a miss: an object, a list under
// `min`/`max`, a number that is not a canonical decimal (never coerced to 0).
// `[*]` after a name (`transactions[*].amount`) reads every element of that
// list, and each element must pass every check (`max` included).
import type { FieldConstraint } from './schema.ts';
import type { RuleInput } from './compiled.ts';
import { numericValue } from './decimal.ts';
import { compilePolicyRegex } from './regex.ts';
import { redactString } from '../redact/text.ts';

export const HEADER_PREFIX = 'header:';
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** A `[*]` path step: every element of the list at that point. */
export const EVERY: unique symbol = Symbol('every element');
export type PathStep = string | typeof EVERY;

export type FieldKey = { kind: 'header'; name: string } | { kind: 'body'; path: readonly PathStep[] };

/** Parse a `where` key; throws an Error saying what is wrong. */
export function parseFieldKey(key: string): FieldKey {
  if (key.startsWith(HEADER_PREFIX)) {
    const name = key.slice(HEADER_PREFIX.length);
    if (!HEADER_NAME.test(name)) throw new Error(`${JSON.stringify(key)}: ${JSON.stringify(name)} is not a header name`);
    return { kind: 'header', name: name.toLowerCase() };
  }
  const path: PathStep[] = [];
  for (const segment of key.split('.')) {
    // `transactions[*]` (and `matrix[*][*]`): the name, then one EVERY step per `[*]`.
    const m = /^([^[\]]*)((?:\[\*\])*)$/.exec(segment);
    if (!m) throw new Error(`${JSON.stringify(key)}: ${JSON.stringify(segment)}: only [*] may follow a name (every element of a list)`);
    if (m[1] === '') throw new Error(`${JSON.stringify(key)}: empty segment in the dotted path`);
    path.push(m[1]!);
    for (let n = 0; n < m[2]!.length / 3; n++) path.push(EVERY);
  }
  return { kind: 'body', path };
}

/** A miss message without the rule name (`amount 9000 > max 5000`), or undefined when it holds. */
export type ConstraintCheck = (input: RuleInput) => string | undefined;

export function compileConstraint(key: string, constraint: FieldConstraint): ConstraintCheck {
  const field = parseFieldKey(key);
  const label = field.kind === 'header' ? `header ${key.slice(HEADER_PREFIX.length)}` : key;
  const regex = constraint.matches === undefined ? undefined : compilePolicyRegex(constraint.matches);
  const inList = constraint.in?.map(String);
  const notInList = constraint.notIn?.map(String);
  const needsValue = constraint.min !== undefined || constraint.max !== undefined || !!inList || !!regex;

  return (input) => {
    const value = readField(field, input);
    if (!(value instanceof Every)) return checkValue(label, value);
    // `[*]`: every element is checked; an empty list holds vacuously unless a value is demanded.
    if (value.values.length === 0) return constraint.present === true || inList || regex ? `${label} has no element to check` : undefined;
    for (const [i, element] of value.values.entries()) {
      const miss = checkValue(`${label} (element ${i + 1} of ${value.values.length})`, element);
      if (miss) return miss;
    }
    return undefined;
  };

  function checkValue(label: string, value: unknown): string | undefined {
    if (value === NOT_A_LIST) return `${label}: [*] reads the elements of a list, and this is not a list`;
    if (value instanceof ListCrossing) return `${label} reads across a list of ${value.length}; name one element (${value.example}) or every element ([*])`;
    const absent = value === undefined || value === null;
    if (constraint.present === false) return absent ? undefined : `${label} must be absent`;
    if (constraint.present === true && (absent || isEmpty(value))) return `${label} is required`;
    // Only `notIn` holds vacuously for a missing value; every other check needs one.
    if (absent) return needsValue ? `${label} is required` : undefined;
    if (!needsValue && !notInList) return undefined; // presence alone: a list or object may be present
    if (constraint.min !== undefined || constraint.max !== undefined) {
      if (typeof value === 'object') return `${label} must be a single value, found ${shape(value)}`;
      const n = numericValue(value);
      if (n === undefined) return `${label} ${show(value)} is not a number`;
      if (constraint.min !== undefined && n < constraint.min) return `${label} ${n} < min ${constraint.min}`;
      if (constraint.max !== undefined && n > constraint.max) return `${label} ${n} > max ${constraint.max}`;
    }
    if (!inList && !notInList && !regex) return undefined;
    if (!Array.isArray(value)) {
      if (typeof value === 'object') return `${label} must be a value or a list of values, found ${shape(value)}`;
      return checkText(label, String(value));
    }
    if (!value.every(isScalar)) return `${label} must be a value or a list of values, found a list holding ${shape(value.find((v) => !isScalar(v)))}`;
    // An empty list satisfies "every element" vacuously; `in` and `matches` still demand something to check.
    if (value.length === 0 && (inList || regex)) return `${label} is an empty list`;
    for (const [i, element] of value.entries()) {
      const miss = checkText(`${label}[${i}]`, String(element));
      if (miss) return miss;
    }
    return undefined;
  }

  function checkText(name: string, text: string): string | undefined {
    if (inList && !inList.includes(text)) return `${name} ${show(text)} not in ${showList(inList)}`;
    if (notInList?.includes(text)) return `${name} ${show(text)} is refused (notIn ${showList(notInList)})`;
    if (regex && !regex.test(text)) return `${name} ${show(text)} does not match /${constraint.matches}/`;
    return undefined;
  }
}

function isScalar(value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

function shape(value: unknown): string {
  if (Array.isArray(value)) return `a list of ${value.length}`;
  return value === null ? 'null' : 'an object';
}

/** `items.price` where `items` is a list: which element is meant cannot be told. */
class ListCrossing {
  readonly length: number;
  /** The key with an index where the list is crossed: `items.0.price`. */
  readonly example: string;
  constructor(length: number, example: string) {
    this.length = length;
    this.example = example;
  }
}

/** What a `[*]` step found where a list should be: a miss, never a value. */
const NOT_A_LIST = Symbol('not a list');

/** The values a `[*]` path reads: one per element (a crossing or a missing value stays as such, so it misses). */
class Every {
  readonly values: unknown[];
  constructor(values: unknown[]) {
    this.values = values;
  }
}

function readField(field: FieldKey, input: RuleInput): unknown {
  if (field.kind === 'header') return input.headers[field.name];
  return field.path.includes(EVERY) ? new Every(readPath(input.body, field.path, 0)) : readPath(input.body, field.path, 0)[0];
}

/** Values at `path` below `current`: one value, or one per element for each `[*]` step. */
function readPath(current: unknown, path: readonly PathStep[], from: number): unknown[] {
  for (let i = from; i < path.length; i++) {
    const segment = path[i]!;
    if (segment === EVERY) {
      if (!Array.isArray(current)) return [current === undefined || current === null ? current : NOT_A_LIST];
      return current.flatMap((element) => readPath(element, path, i + 1));
    }
    if (Array.isArray(current) && /^(0|[1-9][0-9]*)$/.test(segment)) current = current[Number(segment)];
    else if (Array.isArray(current)) return [new ListCrossing(current.length, crossingExample(path, i))];
    else if (current !== null && typeof current === 'object' && Object.hasOwn(current, segment)) {
      current = (current as Record<string, unknown>)[segment];
    } else return [undefined];
  }
  return [current];
}

/** The key with an index where the list is crossed: `items.0.price`. */
function crossingExample(path: readonly PathStep[], at: number): string {
  const text = (steps: readonly PathStep[]) =>
    steps
      .map((s) => (s === EVERY ? '[*]' : s))
      .join('.')
      .replace(/\.\[\*\]/g, '[*]');
  return `${text(path.slice(0, at))}.0.${text(path.slice(at))}`;
}

function isEmpty(value: unknown): boolean {
  if (value === '') return true;
  if (Array.isArray(value)) return value.length === 0;
  return typeof value === 'object' && value !== null && Object.keys(value).length === 0;
}

/**
 * Values come from the agent's own request; shortened so a message never carries a whole blob.
 * Redacted first, on the raw text: once JSON-escaped, a card number written with newlines
 * ("4111\\n1111…") or cut short would no longer look like one to the audit's redaction.
 */
function show(value: unknown): string {
  const text = redactString(String(value));
  return JSON.stringify(text.length > 64 ? `${text.slice(0, 61)}...` : text);
}

function showList(items: readonly string[]): string {
  const shown = items.slice(0, 10).join(', ');
  return `[${shown}${items.length > 10 ? `, … ${items.length - 10} more` : ''}]`;
}
