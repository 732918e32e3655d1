// Label and field selectors as the API server parses them (the subset clients send:
// =, ==, !=, in, notin, exists, !exists).
import type { KubeObject, ResourceType } from './resources.ts';

export type Matcher = (o: KubeObject) => boolean;

export class SelectorError extends Error {}

/** Splits on commas outside parentheses. */
function terms(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.map((t) => t.trim()).filter(Boolean);
}

export function labelSelector(s: string | null): Matcher {
  if (!s) return () => true;
  const tests = terms(s).map((term): ((l: Record<string, string>) => boolean) => {
    let m = /^([^\s!=]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
    if (m) {
      const [, key = '', op, list = ''] = m; // groups without ? always take part
      const values = list.split(',').map((v) => v.trim());
      const has = (l: Record<string, string>) => {
        const v = l[key];
        return v !== undefined && values.includes(v);
      };
      return op === 'in' ? has : (l) => !has(l);
    }
    m = /^([^\s!=]+)\s*(==|=|!=)\s*(\S*)$/.exec(term);
    if (m) {
      const [, key = '', op, value] = m;
      return op === '!=' ? (l) => l[key] !== value : (l) => l[key] === value;
    }
    m = /^(!?)([^\s!=(),]+)$/.exec(term);
    if (m) {
      const [, not, key = ''] = m;
      return not ? (l) => !(key in l) : (l) => key in l;
    }
    throw new SelectorError(`unable to parse requirement: ${term}`);
  });
  return (o) => tests.every((t) => t(o.metadata.labels ?? {}));
}

export function fieldSelector(s: string | null, type: ResourceType): Matcher {
  if (!s) return () => true;
  const tests = terms(s).map((term) => {
    const m = /^([^!=]+?)\s*(==|=|!=)\s*(.*)$/.exec(term);
    if (!m) throw new SelectorError(`invalid selector: '${term}'; can't understand '${term}'`);
    const [, field = '', op, value] = m;
    const get =
      field === 'metadata.name'
        ? (o: KubeObject) => o.metadata.name
        : field === 'metadata.namespace'
          ? (o: KubeObject) => o.metadata.namespace
          : type.fields?.[field];
    if (!get) throw new SelectorError(`field label not supported: ${field}`);
    return op === '!=' ? (o: KubeObject) => (get(o) ?? '') !== value : (o: KubeObject) => (get(o) ?? '') === value;
  });
  return (o) => tests.every((t) => t(o));
}
