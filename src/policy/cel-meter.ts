// A cost budget for CEL evaluation. @bufbuild/cel has no cost limit of its
// own, and a comprehension nested in another over two 2,000-element lists of
// an agent's body is 4 million steps (2.5 s of a frozen event loop, measured).
// Every list and map of the request body is handed to the evaluator wrapped so
// that each element a comprehension (or `in`) iterates is charged to one meter
// per request; past the budget the iteration throws, the evaluation fails, and
// the rules step refuses the call (fail closed) — whatever the expression's
// `||` or `exists` would have made of an error value.
import { celList, celMap } from '@bufbuild/cel';

/** Element visits allowed per request, across every CEL expression evaluated for it (~30 ms of work). */
export const CEL_COST_BUDGET = 50_000;

// The evaluator recognises lists and maps by these registered symbols (Symbol.for in @bufbuild/cel).
const LIST = Symbol.for('@bufbuild/cel/list');
const MAP = Symbol.for('@bufbuild/cel/map');

export class CelBudgetExceeded extends Error {
  constructor(budget: number) {
    super(`the CEL cost budget of ${budget} element visits for one request is exhausted`);
  }
}

export class CelMeter {
  readonly budget: number;
  spent = 0;
  exceeded = false;

  constructor(budget = CEL_COST_BUDGET) {
    this.budget = budget;
  }

  charge(): void {
    if (++this.spent > this.budget) {
      this.exceeded = true;
      throw new CelBudgetExceeded(this.budget);
    }
  }
}

/** The same value with every nested JS array and Map replaced by a metered CEL list or map. */
export function meteredView(value: unknown, meter: CelMeter): unknown {
  if (Array.isArray(value))
    return meteredList(
      value.map((v) => meteredView(v, meter)),
      meter,
    );
  if (value instanceof Map) {
    return meteredMap(new Map([...value].map(([k, v]) => [k, meteredView(v, meter)])), meter);
  }
  return value;
}

function meteredList(items: unknown[], meter: CelMeter): unknown {
  const inner = celList(items as never);
  return {
    [LIST]: {},
    get size() {
      return inner.size;
    },
    get: (index: number) => inner.get(index),
    *values() {
      for (const v of inner.values()) {
        meter.charge();
        yield v;
      }
    },
    [Symbol.iterator](this: { values(): Iterator<unknown> }) {
      return this.values();
    },
  };
}

function meteredMap(entries: Map<unknown, unknown>, meter: CelMeter): unknown {
  const inner = celMap(entries as never);
  return {
    [MAP]: {},
    get size() {
      return inner.size;
    },
    get: (key: unknown) => inner.get(key as never),
    has: (key: unknown) => inner.has(key as never),
    forEach: (cb: (value: unknown, key: unknown, map: unknown) => void, thisArg?: unknown) => inner.forEach(cb as never, thisArg),
    *keys() {
      for (const k of inner.keys()) {
        meter.charge();
        yield k;
      }
    },
    *values() {
      for (const v of inner.values()) {
        meter.charge();
        yield v;
      }
    },
    *entries() {
      for (const e of inner.entries()) {
        meter.charge();
        yield e;
      }
    },
    [Symbol.iterator](this: { entries(): Iterator<unknown> }) {
      return this.entries();
    },
  };
}
