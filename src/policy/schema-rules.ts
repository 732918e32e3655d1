// Evaluates the schema's `x-kubernetes-validations` CEL rules (window format,
// decimal strings, known vendors, unique names, exactly one cap limit) the way
// the API server does for the CRD, so a policy file and an applied EgressPolicy
// are refused by the very same rules. Rules are planned once per schema.
import { celEnv, parse, plan, CelScalar, isCelError } from '@bufbuild/cel';
import type { CelRule } from './schema-parts.ts';
import type { FieldProblem } from './schema-check.ts';
import { childPath } from './field-path.ts';

const env = celEnv({ variables: { self: CelScalar.DYN } });
type Program = (ctx: { self: unknown }) => unknown;
interface Planned {
  rule: CelRule;
  check: Program;
  message?: Program;
}

interface SchemaNode {
  'x-kubernetes-validations'?: CelRule[];
  properties?: Record<string, SchemaNode>;
  patternProperties?: Record<string, SchemaNode>;
  /** A map's value schema in the CRD's structural form (crd.ts rewrites patternProperties to it). */
  additionalProperties?: SchemaNode | boolean;
  items?: SchemaNode;
}

const planned = new WeakMap<CelRule[], Planned[]>();

function programs(rules: CelRule[]): Planned[] {
  let list = planned.get(rules);
  if (!list) {
    const compile = (expr: string) => plan(env, parse(expr)) as unknown as Program;
    list = rules.map((rule) => ({
      rule,
      check: compile(rule.rule),
      ...(rule.messageExpression ? { message: compile(rule.messageExpression) } : {}),
    }));
    planned.set(rules, list);
  }
  return list;
}

/** Problems from every rule that evaluates to false. A rule that errors on a malformed value says nothing: ajv already did. */
export function ruleProblems(schema: object, value: unknown): FieldProblem[] {
  const problems: FieldProblem[] = [];
  walk(schema as SchemaNode, value, '', problems);
  return problems;
}

function walk(node: SchemaNode, value: unknown, path: string, out: FieldProblem[]): void {
  if (value === undefined) return;
  const rules = node['x-kubernetes-validations'];
  if (rules) {
    const self = toCel(value);
    for (const p of programs(rules)) {
      if (p.check({ self }) !== false) continue;
      const custom = p.message?.({ self });
      out.push({ path, message: typeof custom === 'string' && !isCelError(custom) && custom ? custom : p.rule.message });
    }
  }
  if (Array.isArray(value)) {
    if (node.items) value.forEach((item, i) => walk(node.items!, item, childPath(path, i), out));
    return;
  }
  if (value === null || typeof value !== 'object') return;
  const fields = value as Record<string, unknown>;
  for (const [key, child] of Object.entries(node.properties ?? {})) walk(child, fields[key], childPath(path, key), out);
  const extra = typeof node.additionalProperties === 'object' ? node.additionalProperties : undefined;
  const values = Object.values(node.patternProperties ?? {})[0] ?? extra;
  if (values) for (const [key, v] of Object.entries(fields)) walk(values, v, childPath(path, key), out);
}

/** CEL sees maps, lists and int (bigint) for whole numbers, as the API server presents a JSON object. */
function toCel(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toCel);
  if (value !== null && typeof value === 'object') return new Map(Object.entries(value).map(([k, v]) => [k, toCel(v)]));
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  return value;
}
