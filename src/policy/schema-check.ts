// The structural half of validation: ajv compiled from the one schema, its
// errors rewritten into problems that name the field and what to change.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { KUBERNETES_KEYWORDS } from './schema-parts.ts';
import { closestName } from './did-you-mean.ts';
import { childPath, describe, fromPointer } from './field-path.ts';

export interface FieldProblem {
  path: string;
  message: string;
}

/** Compiles `schema` (which must stay the object ajv holds: `keybrake policy schema` prints it). */
export function compileSchema(schema: object): ValidateFunction {
  const ajv = new Ajv({ allErrors: true, verbose: true, strict: true });
  ajv.addVocabulary([...KUBERNETES_KEYWORDS]);
  // Formats Kubernetes uses in status; shapes only, the API server owns their meaning.
  ajv.addFormat('date-time', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/);
  ajv.addFormat('int32', { type: 'number', validate: (n: number) => Number.isInteger(n) && Math.abs(n) < 2 ** 31 });
  ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isSafeInteger(n) });
  return ajv.compile(schema);
}

/** Every structural problem of `value`, in document order. */
export function schemaProblems(validate: ValidateFunction, value: unknown): FieldProblem[] {
  if (validate(value)) return [];
  const errors = validate.errors ?? [];
  // A failed anyOf (`in: [string | number]`) reports each branch too; one line says it better.
  const anyOfs = errors.filter((e) => e.keyword === 'anyOf').map((e) => `${e.schemaPath}/`);
  return errors.filter((e) => !anyOfs.some((prefix) => e.schemaPath.startsWith(prefix))).map((e) => toProblem(e, value));
}

const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  integer: 'a whole number',
  number: 'a number',
  boolean: 'true or false',
  object: 'a mapping',
  array: 'a list',
};

function toProblem(e: ErrorObject, root: unknown): FieldProblem {
  const path = fromPointer(e.instancePath, root);
  const schema = (e.parentSchema ?? {}) as { description?: string; properties?: Record<string, unknown> };
  const hint = schema.description ? ` (${schema.description})` : '';
  const found = describe(e.data);
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return { path: childPath(path, String(p.missingProperty)), message: 'is required' };
    case 'additionalProperties':
      return unknownField(path, String(p.additionalProperty), Object.keys(schema.properties ?? {}));
    case 'type':
      return { path, message: `must be ${TYPE_WORDS[String(p.type)] ?? p.type}${hint}, found ${found}` };
    case 'const':
      return { path, message: `must be ${String(p.allowedValue)}, found ${found}` };
    case 'enum':
      return { path, message: `must be one of ${(p.allowedValues as unknown[]).join(', ')}, found ${found}` };
    case 'anyOf':
      return { path, message: `must be a string or a number, found ${found}` };
    case 'pattern':
      return { path, message: schema.description ? `${found} is not ${schema.description}` : `${found} does not match ${String(p.pattern)}` };
    case 'format':
      return { path, message: `${found} is not a valid ${String(p.format)}` };
    case 'minLength':
      return { path, message: 'must not be empty' };
    case 'maxLength':
      return { path, message: `is ${String(e.data).length} characters long; the limit is ${String(p.limit)}` };
    case 'minItems':
    case 'minProperties':
      return { path, message: `is empty: give ${schema.description ?? `at least ${String(p.limit)}`}` };
    case 'maxItems':
    case 'maxProperties':
      return { path, message: `has ${count(e.data)} entries; the limit is ${String(p.limit)}` };
    case 'minimum':
      return { path, message: `must be ≥ ${String(p.limit)}, found ${found}` };
    case 'maximum':
      return { path, message: `must be ≤ ${String(p.limit)}, found ${found}` };
    default:
      return { path, message: e.message ?? e.keyword };
  }
}

function unknownField(path: string, field: string, known: string[]): FieldProblem {
  const guess = closestName(field, known);
  const advice = guess ? `did you mean "${guess}"?` : `valid fields here: ${known.join(', ')}`;
  return { path: childPath(path, field), message: `unknown field "${field}"; ${advice}` };
}

function count(value: unknown): number {
  return Array.isArray(value) ? value.length : Object.keys(value ?? {}).length;
}
