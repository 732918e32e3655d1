// JSON merge patch (RFC 7386) and JSON patch (RFC 6902), with the API server's
// error behaviour: a json-patch op on a missing parent fails instead of creating it.
export class PatchError extends Error {}

export function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return structuredClone(patch);
  const out: Record<string, unknown> =
    target !== null && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

function unescape(token: string): string {
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw new PatchError(`invalid JSON pointer ${JSON.stringify(path)}`);
  return path.slice(1).split('/').map(unescape);
}

function parentOf(doc: unknown, tokens: string[], path: string): any {
  let cur: any = doc;
  for (const t of tokens.slice(0, -1)) {
    if (cur === null || typeof cur !== 'object' || !(t in cur)) throw new PatchError(`doc is missing path: "${path}": missing value`);
    cur = cur[t];
  }
  if (cur === null || typeof cur !== 'object') throw new PatchError(`doc is missing path: "${path}": missing value`);
  return cur;
}

function get(doc: unknown, path: string): unknown {
  let cur: any = doc;
  for (const t of pointer(path)) {
    if (cur === null || typeof cur !== 'object' || !(t in cur)) throw new PatchError(`doc is missing path: "${path}": missing value`);
    cur = cur[t];
  }
  return cur;
}

function arrayIndex(arr: unknown[], t: string, path: string, forAdd: boolean): number {
  if (forAdd && t === '-') return arr.length;
  if (!/^(0|[1-9][0-9]*)$/.test(t)) throw new PatchError(`invalid array index ${JSON.stringify(t)} in "${path}"`);
  const i = Number(t);
  if (i > arr.length || (!forAdd && i === arr.length)) throw new PatchError(`index out of range in "${path}"`);
  return i;
}

function add(doc: unknown, path: string, value: unknown): unknown {
  const tokens = pointer(path);
  const last = tokens.at(-1);
  if (last === undefined) return structuredClone(value);
  const parent = parentOf(doc, tokens, path);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, last, path, true), 0, structuredClone(value));
  else parent[last] = structuredClone(value);
  return doc;
}

function remove(doc: unknown, path: string): unknown {
  const tokens = pointer(path);
  const last = tokens.at(-1);
  if (last === undefined) throw new PatchError('Unable to remove the whole document');
  const parent = parentOf(doc, tokens, path);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, last, path, false), 1);
  else if (!(last in parent)) throw new PatchError(`Unable to remove nonexistent key: ${last}: missing value`);
  else delete parent[last];
  return doc;
}

export function jsonPatch(target: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw new PatchError('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  let doc = structuredClone(target);
  for (const op of ops as Array<Record<string, any>>) {
    const path = String(op.path ?? '');
    switch (op.op) {
      case 'add':
        doc = add(doc, path, op.value);
        break;
      case 'remove':
        doc = remove(doc, path);
        break;
      case 'replace':
        get(doc, path);
        doc = add(remove(doc, path), path, op.value);
        break;
      case 'move': {
        const v = get(doc, String(op.from));
        doc = add(remove(doc, String(op.from)), path, v);
        break;
      }
      case 'copy':
        doc = add(doc, path, get(doc, String(op.from)));
        break;
      case 'test':
        if (JSON.stringify(get(doc, path)) !== JSON.stringify(op.value)) throw new PatchError(`testing value ${path} failed: test failed`);
        break;
      default:
        throw new PatchError(`Unexpected kind: ${String(op.op)}`);
    }
  }
  return doc;
}
