// Method + path → operation, for any pack's catalog of `/v1/things/{id}/verb`
// templates. A template matches a whole path, segment for segment (never a
// prefix), literal segments beat `{param}` segments (`/v1/charges/search`
// before `/v1/charges/{id}`), and a path a server might read as a different
// path (`..`, `//`, an encoded `/` inside an id) matches nothing: an unknown
// operation is denied by default, a misidentified one could be allowed.
import type { Operation, OperationDef } from './pack.ts';

interface Template {
  def: OperationDef;
  /** A literal segment, or null for a `{param}` segment (its name is in `names`). */
  segments: Array<string | null>;
  names: string[];
}

export type Identify = (method: string, path: string) => Operation;

const PARAM = /^\{(\w+)\}$/;
const UNKNOWN_ID = '';

export function compileCatalog(operations: readonly OperationDef[]): Identify {
  const byMethod = new Map<string, Template[]>();
  const seen = new Set<string>();
  for (const def of operations) {
    const shape = `${def.method.toUpperCase()} ${def.path.replace(/\{\w+\}/g, '{}')}`;
    if (seen.has(shape)) throw new Error(`catalog has two operations for ${shape} (${def.id})`);
    seen.add(shape);
    const list = byMethod.get(def.method.toUpperCase()) ?? [];
    list.push(compileTemplate(def));
    byMethod.set(def.method.toUpperCase(), list);
  }
  for (const list of byMethod.values()) list.sort(moreSpecificFirst);

  return (method, path) => {
    const segments = splitPath(path);
    const candidates = segments && byMethod.get(method.toUpperCase());
    for (const t of candidates ?? []) {
      const params = matchTemplate(t, segments!);
      if (params) return { id: t.def.id, billable: t.def.billable, params };
    }
    return { id: UNKNOWN_ID, billable: false, params: {} };
  };
}

function compileTemplate(def: OperationDef): Template {
  if (!def.path.startsWith('/')) throw new Error(`operation ${def.id}: path must start with '/'`);
  const names: string[] = [];
  const segments = def.path
    .slice(1)
    .split('/')
    .map((s) => {
      const m = PARAM.exec(s);
      if (!m) return s;
      names.push(m[1]!);
      return null;
    });
  return { def, segments, names };
}

/** Only equal lengths can match the same path; among those, at the first difference a literal sorts first. */
function moreSpecificFirst(a: Template, b: Template): number {
  if (a.segments.length !== b.segments.length) return a.segments.length - b.segments.length;
  for (let i = 0; i < a.segments.length; i++) {
    const al = a.segments[i] !== null;
    const bl = b.segments[i] !== null;
    if (al !== bl) return al ? -1 : 1;
  }
  return 0;
}

/** Raw path → decoded segments; undefined when the path is one a server could normalize into another. */
function splitPath(path: string): string[] | undefined {
  if (!path.startsWith('/')) return undefined;
  const decoded: string[] = [];
  for (const raw of path.slice(1).split('/')) {
    let s: string;
    try {
      s = decodeURIComponent(raw);
    } catch {
      return undefined;
    }
    if (s === '' || s === '.' || s === '..' || /[/\\\x00-\x1f\x7f]/.test(s)) return undefined;
    decoded.push(s);
  }
  return decoded;
}

function matchTemplate(t: Template, segments: string[]): Record<string, string> | undefined {
  if (t.segments.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  let p = 0;
  for (let i = 0; i < segments.length; i++) {
    const literal = t.segments[i];
    if (literal === null) params[t.names[p++]!] = segments[i]!;
    else if (literal !== segments[i]) return undefined;
  }
  return params;
}

/** Fill a template's `{name}` segments, percent-encoding each value: `/v1/charges/{id}` + {id} → `/v1/charges/ch_1`. */
export function fillTemplate(template: string, params: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`no value for {${name}} in ${template}`);
    return encodeURIComponent(value);
  });
}
