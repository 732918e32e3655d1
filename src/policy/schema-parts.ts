// Building blocks of the EgressPolicy schema (schema.ts): bounded strings and
// maps, and the CEL rules the CRD and the validator share. Every string, list
// and map is bounded so the API server's CEL cost estimate stays in budget.
import { Type, type TSchema, type TString, type StringOptions } from '@sinclair/typebox';

/** One `x-kubernetes-validations` entry. `messageExpression` wins over `message` when it yields a string. */
export interface CelRule {
  rule: string;
  message: string;
  messageExpression?: string;
  reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
}

/** Keys this schema adds to JSON Schema; ajv is told they are annotations, the CRD keeps them. */
export const KUBERNETES_KEYWORDS = ['x-kubernetes-validations', 'x-kubernetes-int-or-string', 'x-kubernetes-list-type', 'x-kubernetes-list-map-keys'] as const;

export function cel(...rules: CelRule[]): { 'x-kubernetes-validations': CelRule[] } {
  return { 'x-kubernetes-validations': rules };
}

/** A string with an upper bound (and a lower bound of one: empty strings are never meaningful here). */
export function Text(maxLength: number, options: StringOptions = {}): TString {
  return Type.String({ minLength: 1, maxLength, ...options });
}

/** A string map (`labels`, `fx`, unit price tables) with bounded keys, values and size. */
export function StringMap<T extends TSchema>(maxProperties: number, value: T, description?: string) {
  return Type.Record(Type.String(), value, { maxProperties, ...(description ? { description } : {}) });
}

/** DNS-1123 subdomain: Kubernetes object names and lowercase hostnames share it. */
export const LABEL = '[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?';
export const DNS_NAME = `^${LABEL}(\\.${LABEL})*$`;

export const Hostname = (description: string) => Text(253, { pattern: DNS_NAME, description });

/** `1m`, `60s`, `24h`, `7d`: one positive whole number and a unit (duration.ts parses it). */
const DURATION = '[1-9][0-9]{0,5}(ms|s|m|h|d)';
export const DURATION_RULE: CelRule = {
  rule: `self.matches('^${DURATION}$')`,
  message: 'must be a duration: a positive whole number and a unit ms, s, m, h or d (500ms, 60s, 5m, 1h)',
  reason: 'FieldValueInvalid',
};
export const WINDOW_RULE: CelRule = {
  rule: `self.matches('^(${DURATION}|day|week|month)$')`,
  message: 'must be a duration (1m, 1h, 24h, 7d) or a calendar period (day, week, month)',
  reason: 'FieldValueInvalid',
};

/** Decimal strings in major units ("500.00"). `[.]` keeps the dot literal in both YAML and CEL. */
const DECIMAL = '^(0|[1-9][0-9]{0,14})([.][0-9]{1,8})?$';
export const DECIMAL_RULE: CelRule = {
  rule: `self.matches('${DECIMAL}')`,
  message: 'must be a quoted non-negative decimal like "500.00" (no sign, exponent or thousands separator)',
  reason: 'FieldValueInvalid',
};
/** The same check over every value of a map (`fx`, unit price tables). */
export const DECIMAL_VALUES_RULE: CelRule = {
  rule: `self.all(k, self[k].matches('${DECIMAL}'))`,
  message: 'every value must be a quoted non-negative decimal like "1.08"',
  reason: 'FieldValueInvalid',
};

/** Lists whose entries carry a `field` that must be unique when present. */
export function uniqueRule(field: string, what: string): CelRule {
  return {
    rule: `self.all(x, !has(x.${field}) || self.exists_one(y, has(y.${field}) && y.${field} == x.${field}))`,
    message: `${what} must be unique within the list`,
    reason: 'FieldValueDuplicate',
  };
}

/** Known vendor ids come from the vendor registry at run time, so the rule is built, not written. */
export function vendorRule(vendorIds: readonly string[]): CelRule {
  const list = vendorIds.map((id) => `'${id}'`).join(', ');
  return {
    rule: `self in [${list}]`,
    message: `unknown vendor; valid vendors: ${vendorIds.join(', ')}`,
    messageExpression: `'unknown vendor "' + self + '"; valid vendors: ${vendorIds.join(', ')}'`,
    reason: 'FieldValueInvalid',
  };
}

export const EXACTLY_ONE_LIMIT: CelRule = {
  rule: '[has(self.maxSpend), has(self.maxRequests), has(self.maxUnits)].filter(x, x).size() == 1',
  message: 'needs exactly one of maxSpend, maxRequests, maxUnits',
  reason: 'FieldValueInvalid',
};
