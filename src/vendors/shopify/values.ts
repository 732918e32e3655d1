// GraphQL argument values → plain JSON-like values, with variables substituted,
// so rules read an inline literal and a variable-carried value the same way.
// No schema is known here, so nothing is coerced: numbers written inline stay
// the exact text of the literal ("12.50"), enums become their names, and a
// variable the request does not provide is absent (its default when the
// operation declares one). Anything that cannot be resolved throws
// Unresolvable: the caller refuses the document rather than guess.
import { Kind, type ConstValueNode, type ValueNode } from 'graphql';
import { MAX_JSON_DEPTH, MAX_LIST_ELEMENTS } from '../body-text.ts';

export class Unresolvable extends Error {}

/** Variables of the selected operation: declared name → its value, or ABSENT when neither sent nor defaulted. */
export type Variables = ReadonlyMap<string, unknown>;

/** A declared variable with no value and no default: the argument it fills is not sent. */
export const ABSENT = Symbol('absent variable');

export function resolveValue(node: ValueNode | ConstValueNode, variables: Variables, depth = 0): unknown {
  if (depth > MAX_JSON_DEPTH) throw new Unresolvable(`an argument value nests more than ${MAX_JSON_DEPTH} levels deep`);
  switch (node.kind) {
    case Kind.VARIABLE: {
      const name = node.name.value;
      if (!variables.has(name)) throw new Unresolvable(`variable $${name} is used but not declared by the operation`);
      const value = variables.get(name);
      return value === ABSENT ? ABSENT : value;
    }
    case Kind.INT:
    case Kind.FLOAT:
      // The literal's own text: "12.50" stays exact for money; rules compare it as a number.
      return node.value;
    case Kind.STRING:
    case Kind.ENUM:
      return node.value;
    case Kind.BOOLEAN:
      return node.value;
    case Kind.NULL:
      return null;
    case Kind.LIST: {
      if (node.values.length > MAX_LIST_ELEMENTS) throw new Unresolvable(`a list argument has more than ${MAX_LIST_ELEMENTS} elements`);
      // A missing variable inside a list is read by GraphQL as null.
      return node.values.map((v) => {
        const value = resolveValue(v, variables, depth + 1);
        return value === ABSENT ? null : value;
      });
    }
    case Kind.OBJECT: {
      const out: Record<string, unknown> = {};
      for (const field of node.fields) {
        const key = field.name.value;
        if (Object.hasOwn(out, key)) throw new Unresolvable(`input object field ${key} is written twice`);
        const value = resolveValue(field.value, variables, depth + 1);
        if (value !== ABSENT) define(out, key, value);
      }
      return out;
    }
    default:
      throw new Unresolvable('an argument value of an unknown kind');
  }
}

/** Own, enumerable, even for `__proto__`: a plain assignment of that key would set the prototype. */
export function define(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}
