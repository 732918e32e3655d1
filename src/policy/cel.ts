// CEL expressions of allow rules (@bufbuild/cel), compiled once at policy load
// and evaluated per request over `request` = {body, headers, path, method}.
import { celEnv, parse, plan, isCelError, CelScalar, mapType, type CelInput } from '@bufbuild/cel';
import { CelMeter, meteredView } from './cel-meter.ts';
import type { RuleInput } from './compiled.ts';
import { numericValue } from './decimal.ts';

/** Longer expressions belong in `where` constraints or several rules; the cap also bounds parse time. */
export const MAX_CEL_LENGTH = 1000;
/** `a.all(x, b.all(y, …))` is O(|a|·|b|) over attacker-sized bodies; one level of nesting is enough. */
export const MAX_COMPREHENSION_DEPTH = 2;

const REQUEST_TYPE = mapType(CelScalar.STRING, CelScalar.DYN);
const env = celEnv({ variables: { request: REQUEST_TYPE } });
type Expr = ReturnType<typeof parse>['expr'];

// Type names may appear as identifiers: `type(request.body.amount) == int`.
const TYPE_NAMES = new Set(['int', 'uint', 'double', 'bool', 'string', 'bytes', 'list', 'map', 'null_type', 'type', 'dyn']);

export interface CelCheck {
  readonly expression: string;
  /** undefined when the expression is true; otherwise why not (the expression included). */
  evaluate(input: RuleInput): string | undefined;
}

/** Parse and plan `expression`; throws an Error saying what is wrong with it. */
export function compileCel(expression: string): CelCheck {
  if (typeof expression !== 'string' || expression.trim() === '') throw new Error('must be a non-empty CEL expression');
  if (expression.length > MAX_CEL_LENGTH) {
    throw new Error(`is ${expression.length} characters long; the limit is ${MAX_CEL_LENGTH}`);
  }
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(expression);
  } catch (err) {
    throw new Error(`does not parse: ${(err as Error).message}`, { cause: err });
  }
  const problem = checkExpr(parsed.expr, new Set(), 0);
  if (problem) throw new Error(problem);
  let program: ReturnType<typeof plan<{ request: typeof REQUEST_TYPE }>>;
  try {
    program = plan(env, parsed);
  } catch (err) {
    throw new Error(`does not compile: ${(err as Error).message}`, { cause: err });
  }
  const quoted = JSON.stringify(expression);
  return {
    expression,
    evaluate(input) {
      let result: unknown;
      try {
        result = program({ request: celRequest(input) });
      } catch (err) {
        result = err; // the evaluator reports errors as values; a throw is treated the same
      }
      if (celBudgetExceeded(input)) return `cel ${quoted} stopped: evaluating it for this request would exceed the cost budget`;
      if (isCelError(result) || result instanceof Error) return `cel ${quoted} failed: ${result.message}`;
      return result === true ? undefined : `cel ${quoted} is not true`;
    },
  };
}

/**
 * What the planner would only discover per request: unknown variables (only
 * `request` exists) and unknown functions; plus the nesting limit.
 */
function checkExpr(expr: Expr | undefined, bound: ReadonlySet<string>, depth: number): string | undefined {
  if (!expr) return undefined;
  const kind = expr.exprKind;
  switch (kind.case) {
    case 'identExpr': {
      const name = kind.value.name;
      if (name === 'request' || bound.has(name) || TYPE_NAMES.has(name)) return undefined;
      return `unknown variable ${name}: only request (body, headers, path, method) is defined`;
    }
    case 'selectExpr':
      return checkExpr(kind.value.operand, bound, depth);
    case 'callExpr': {
      const { function: name, target, args } = kind.value;
      // Operators (`_==_`, `!_`, `@in`) are planner built-ins; named functions must exist.
      if (/^[A-Za-z]/.test(name) && !env.funcs.find(name)) return `unknown function ${name}()`;
      return firstProblem([target, ...args], bound, depth);
    }
    case 'listExpr':
      return firstProblem(kind.value.elements, bound, depth);
    case 'structExpr':
      return firstProblem(
        kind.value.entries.flatMap((e) => [e.keyKind.case === 'mapKey' ? e.keyKind.value : undefined, e.value]),
        bound,
        depth,
      );
    case 'comprehensionExpr': {
      const c = kind.value;
      if (depth + 1 > MAX_COMPREHENSION_DEPTH) {
        return `nests comprehensions (all, exists, map, filter) more than ${MAX_COMPREHENSION_DEPTH} deep`;
      }
      const inner = new Set([...bound, c.iterVar, c.iterVar2, c.accuVar].filter(Boolean));
      return firstProblem([c.iterRange, c.accuInit], bound, depth) ?? firstProblem([c.loopCondition, c.loopStep, c.result], inner, depth + 1);
    }
    default:
      return undefined; // constants
  }
}

function firstProblem(exprs: Array<Expr | undefined>, bound: ReadonlySet<string>, depth: number): string | undefined {
  for (const e of exprs) {
    const problem = checkExpr(e, bound, depth);
    if (problem) return problem;
  }
  return undefined;
}

/** The CEL view of a request: maps (the evaluator wants them), and form leaves that are canonical decimals as numbers
 * so `request.body.amount <= 5000` works on Stripe's string-only form bodies. Its lists and maps are metered. */
function celRequest(input: RuleInput): CelInput<typeof REQUEST_TYPE> {
  // Built once per request (several rules may carry CEL), from parsed bodies: all valid CEL inputs.
  // One meter per request: the budget covers every expression evaluated for the call.
  let entry = views.get(input);
  if (!entry) {
    const meter = new CelMeter();
    views.set(input, (entry = { meter, view: buildView(input, meter) }));
  }
  return entry.view;
}

const views = new WeakMap<RuleInput, { meter: CelMeter; view: CelInput<typeof REQUEST_TYPE> }>();

/** True when evaluating CEL for this request ran past the cost budget: the call must be refused. */
export function celBudgetExceeded(input: RuleInput): boolean {
  return views.get(input)?.meter.exceeded === true;
}

function buildView(input: RuleInput, meter: CelMeter): CelInput<typeof REQUEST_TYPE> {
  return new Map<string, unknown>([
    ['body', meteredView(input.body, meter, celLeaf)],
    ['headers', new Map(Object.entries(input.headers))],
    ['path', input.path],
    ['method', input.method],
  ]) as CelInput<typeof REQUEST_TYPE>;
}

function celLeaf(value: unknown): unknown {
  return numericValue(value) ?? value;
}
