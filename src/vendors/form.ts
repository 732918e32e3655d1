// application/x-www-form-urlencoded → nested objects, in the bracket dialect
// Stripe and Twilio servers read (`a[b][c]=`, `items[0][price]=`, `expand[]=`).
// It accepts every spelling a real client sends and refuses every input that
// two servers could read two ways: a parameter the proxy judged must be the
// parameter the vendor acts on.
import { BOM, MAX_LIST_ELEMENTS } from './body-text.ts';

export interface FormOptions {
  /** Keys that are lists by repetition (Twilio `MediaUrl=a&MediaUrl=b`); they always come out as arrays. */
  repeatable?: (key: string) => boolean;
  /** Most `key=value` pairs accepted (default 2000). Also bounds array indexes. */
  maxParams?: number;
  /** Most bracket levels under a key (default 8). */
  maxDepth?: number;
  /** Most elements in one list, and the largest index + 1 (default MAX_LIST_ELEMENTS). */
  maxList?: number;
}

export type FormResult = { ok: true; value: Record<string, unknown> } | { ok: false; message: string; param?: string };

const DEFAULT_MAX_PARAMS = 2000;
const DEFAULT_MAX_DEPTH = 8;
/** Lists bound what rules and CEL iterate per call: 1,000 is far above any vendor's own list limits. */
const DEFAULT_MAX_LIST = MAX_LIST_ELEMENTS;
/** Key names echoed in messages are cut here: they come from the caller. */
const MAX_PARAM_ECHO = 100;

type Segment = { kind: 'name'; name: string } | { kind: 'index'; index: number } | { kind: 'push' };
type Shape = 'object' | 'indexed' | 'pushed';

interface Leaf {
  kind: 'leaf';
  value: string;
}
interface Branch {
  kind: 'branch';
  /** Fixed by the first child: mixing `a[x]`, `a[0]` and `a[]` is ambiguous. */
  shape?: Shape;
  children: Map<string | number, Node>;
}
type Node = Leaf | Branch;

class FormError extends Error {
  param?: string;
  constructor(message: string, param?: string) {
    super(message);
    this.param = param === undefined ? undefined : param.slice(0, MAX_PARAM_ECHO);
  }
}

export function parseForm(text: string, opts: FormOptions = {}): FormResult {
  const maxParams = opts.maxParams ?? DEFAULT_MAX_PARAMS;
  const maxDepth = opts.maxDepth ?? DEFAULT_MAX_DEPTH;
  const maxList = Math.min(opts.maxList ?? DEFAULT_MAX_LIST, maxParams);
  // The vendor reads a leading BOM as part of the first name; the decoder here would not.
  if (text.startsWith(BOM)) return { ok: false, message: 'form text starts with a byte-order mark (U+FEFF); send it without one' };
  const pairs = text.split('&').filter((p) => p !== '');
  if (pairs.length > maxParams) {
    return { ok: false, message: `form body has ${pairs.length} parameters, more than the limit of ${maxParams}` };
  }
  const root: Branch = { kind: 'branch', shape: 'object', children: new Map() };
  try {
    for (const pair of pairs) {
      const eq = pair.indexOf('=');
      const key = decode(eq === -1 ? pair : pair.slice(0, eq), undefined);
      // `a=b[]=c`: most servers split at the first '=', qs-based ones at ']=' (key `a=b[]`), with %5D
      // counted as ']' even in values. Refuse the ambiguity.
      if (eq !== -1 && BRACKET_EQUALS.test(pair.slice(eq + 1))) {
        throw new FormError(`parameter '${key}' has a value containing ']=', which servers split differently; percent-encode '=' as %3D`, key);
      }
      const value = eq === -1 ? '' : decode(pair.slice(eq + 1), key);
      const { base, segments } = parseKey(key, maxList, maxDepth);
      if (segments.length === 0 && opts.repeatable?.(base)) segments.push({ kind: 'push' });
      insert(root, base, segments, value, key, maxList);
    }
  } catch (err) {
    if (err instanceof FormError) return { ok: false, message: err.message, param: err.param };
    throw err;
  }
  return { ok: true, value: materialize(root) as Record<string, unknown> };
}

/** `+` is a space in forms; anything percent-decoding cannot read (bad escapes, invalid UTF-8) is refused. */
function decode(raw: string, key: string | undefined): string {
  // Most names and values are plain: skip the decoder (the hot path of every form request).
  if (!PLAIN_NEEDS_DECODING.test(raw)) return raw;
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    throw new FormError(
      key === undefined ? 'form body has a parameter name with invalid percent-encoding' : `parameter '${key}' has invalid percent-encoding`,
      key,
    );
  }
}

const PLAIN_NEEDS_DECODING = /[%+]/;
const BRACKET_EQUALS = /(?:\]|%5[dD])=/;
const SEGMENT = /\[([^[\]]*)\]/y;
const INDEX = /^(0|[1-9][0-9]*)$/;

/** `items[0][price]` → base `items`, segments [index 0, name price]. Brackets were already decoded. */
function parseKey(key: string, maxList: number, maxDepth: number): { base: string; segments: Segment[] } {
  const open = key.indexOf('[');
  const base = open === -1 ? key : key.slice(0, open);
  if (base === '' || base.includes(']')) throw new FormError(`malformed parameter name '${key}'`, key);
  const segments: Segment[] = [];
  SEGMENT.lastIndex = open === -1 ? key.length : open;
  while (SEGMENT.lastIndex < key.length) {
    const m = SEGMENT.exec(key);
    if (!m) throw new FormError(`malformed brackets in parameter name '${key}'`, key);
    segments.push(segment(m[1]!, key, maxList));
  }
  if (segments.length > maxDepth) {
    throw new FormError(`parameter '${key}' nests ${segments.length} levels deep, more than the limit of ${maxDepth}`, key);
  }
  const push = segments.findIndex((s) => s.kind === 'push');
  if (push !== -1 && push !== segments.length - 1) {
    // `items[][price]=a&items[][quantity]=1` is one item or two depending on the server: refuse it.
    throw new FormError(`parameter '${key}' puts '[]' before further brackets; use indexes like '${base}[0][…]'`, key);
  }
  return { base, segments };
}

function segment(text: string, key: string, maxList: number): Segment {
  if (text === '') return { kind: 'push' };
  // Leading zeros ("007") are names, not indexes, so `a[01]` and `a[1]` never alias.
  if (!INDEX.test(text)) return { kind: 'name', name: text };
  const index = Number(text);
  if (index >= maxList) throw new FormError(`array index ${text} in parameter '${key}' is too large (lists hold at most ${maxList} elements)`, key);
  return { kind: 'index', index };
}

function insert(root: Branch, base: string, segments: Segment[], value: string, key: string, maxList: number): void {
  const path: Segment[] = [{ kind: 'name', name: base }, ...segments];
  let node = root;
  for (let i = 0; i < path.length; i++) {
    const child = childKey(node, path[i]!, key);
    if (typeof child === 'number' && node.shape === 'pushed' && child >= maxList) {
      throw new FormError(`parameter '${key}' repeats more than ${maxList} times (lists hold at most ${maxList} elements)`, key);
    }
    const existing = node.children.get(child);
    if (i === path.length - 1) {
      if (existing?.kind === 'leaf') throw new FormError(`parameter '${key}' is given more than once; send it once`, key);
      if (existing) throw new FormError(`parameter '${key}' is given both as a value and as an object`, key);
      node.children.set(child, { kind: 'leaf', value });
      return;
    }
    if (existing?.kind === 'leaf') throw new FormError(`parameter '${key}' is given both as a value and as an object`, key);
    if (existing) {
      node = existing;
    } else {
      const branch: Branch = { kind: 'branch', children: new Map() };
      node.children.set(child, branch);
      node = branch;
    }
  }
}

const SHAPE_OF: Record<Segment['kind'], Shape> = { name: 'object', index: 'indexed', push: 'pushed' };

function childKey(node: Branch, seg: Segment, key: string): string | number {
  const shape = SHAPE_OF[seg.kind];
  if (node.shape === undefined) node.shape = shape;
  if (node.shape !== shape) {
    throw new FormError(`parameter '${key}' mixes list forms ('[]', '[0]') or a list with named keys; use one form`, key);
  }
  if (seg.kind === 'name') return seg.name;
  if (seg.kind === 'index') return seg.index;
  return node.children.size;
}

function materialize(node: Node): unknown {
  if (node.kind === 'leaf') return node.value;
  if (node.shape === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, child] of node.children) {
      // A key named `__proto__` must stay a plain key: assignment would set the prototype.
      if (k === '__proto__') Object.defineProperty(out, k, { value: materialize(child), enumerable: true, writable: true, configurable: true });
      else out[k] = materialize(child);
    }
    return out;
  }
  const entries = [...node.children.entries()] as Array<[number, Node]>;
  entries.sort((a, b) => a[0] - b[0]);
  return entries.map(([, child]) => materialize(child));
}
