// Targeted RFC 6902 operations. The apiserver applies them in order, each on
// the result of the last, and an `add` into an array that is not there fails:
// so a missing array is added whole, an existing one is appended to.
export type PatchOp = { op: 'add'; path: string; value: unknown } | { op: 'replace'; path: string; value: unknown };

/** RFC 6901: `~` before `/`, or `a~1b` would come back wrong. */
export function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Append `items` to the array at `path` (which may be missing). */
export function appendAll(path: string, existing: unknown[] | undefined, items: unknown[]): PatchOp[] {
  if (!items.length) return [];
  if (!existing) return [{ op: 'add', path, value: items }];
  return items.map((value) => ({ op: 'add' as const, path: `${path}/-`, value }));
}

/** Put `items` at the front of the array at `path` (which may be missing), in order. */
export function prependAll(path: string, existing: unknown[] | undefined, items: unknown[]): PatchOp[] {
  if (!items.length) return [];
  if (!existing) return [{ op: 'add', path, value: items }];
  return items.map((value, i) => ({ op: 'add' as const, path: `${path}/${i}`, value }));
}

/** Set one key of a map that may be missing. */
export function setKey(path: string, existing: Record<string, unknown> | undefined, key: string, value: unknown): PatchOp {
  return existing ? { op: 'add', path: `${path}/${escapePointer(key)}`, value } : { op: 'add', path, value: { [key]: value } };
}
