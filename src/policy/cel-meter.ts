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

/** Marks the wrappers as CEL lists and maps (the evaluator tests `symbol in value`); one shared object, not one per wrapper. */
const MARK = Object.freeze({});

/**
 * A request value as the evaluator reads it, in one pass: every array a metered
 * CEL list, every object (or Map) a metered CEL map, every leaf through `leaf`.
 */
export function meteredView(value: unknown, meter: CelMeter, leaf: (v: unknown) => unknown = (v) => v): unknown {
  if (Array.isArray(value))
    return new MeteredList(
      value.map((v) => meteredView(v, meter, leaf)),
      meter,
    );
  if (value instanceof Map) {
    const entries = new Map<unknown, unknown>();
    for (const [k, v] of value) entries.set(k, meteredView(v, meter, leaf));
    return new MeteredMap(entries, meter);
  }
  if (value !== null && typeof value === 'object') {
    const entries = new Map<unknown, unknown>();
    for (const k of Object.keys(value)) entries.set(k, meteredView((value as Record<string, unknown>)[k], meter, leaf));
    return new MeteredMap(entries, meter);
  }
  return leaf(value);
}

class MeteredList {
  readonly [LIST] = MARK;
  readonly #inner: ReturnType<typeof celList>;
  readonly #meter: CelMeter;

  constructor(items: unknown[], meter: CelMeter) {
    this.#inner = celList(items as never);
    this.#meter = meter;
  }

  get size(): number {
    return this.#inner.size;
  }

  get(index: number): unknown {
    return this.#inner.get(index);
  }

  *values(): Generator<unknown> {
    for (const v of this.#inner.values()) {
      this.#meter.charge();
      yield v;
    }
  }

  [Symbol.iterator](): Iterator<unknown> {
    return this.values();
  }
}

class MeteredMap {
  readonly [MAP] = MARK;
  readonly #inner: ReturnType<typeof celMap>;
  readonly #meter: CelMeter;

  constructor(entries: Map<unknown, unknown>, meter: CelMeter) {
    this.#inner = celMap(entries as never);
    this.#meter = meter;
  }

  get size(): number {
    return this.#inner.size;
  }

  get(key: unknown): unknown {
    return this.#inner.get(key as never);
  }

  has(key: unknown): boolean {
    return this.#inner.has(key as never);
  }

  forEach(cb: (value: unknown, key: unknown, map: unknown) => void, thisArg?: unknown): void {
    this.#inner.forEach(cb as never, thisArg);
  }

  *keys(): Generator<unknown> {
    for (const k of this.#inner.keys()) {
      this.#meter.charge();
      yield k;
    }
  }

  *values(): Generator<unknown> {
    for (const v of this.#inner.values()) {
      this.#meter.charge();
      yield v;
    }
  }

  *entries(): Generator<unknown> {
    for (const e of this.#inner.entries()) {
      this.#meter.charge();
      yield e;
    }
  }

  [Symbol.iterator](): Iterator<unknown> {
    return this.entries();
  }
}
