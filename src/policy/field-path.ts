// Field paths in problems: `spec.vendors[0].rules[1].where["metadata.ticket_id"]`,
// the form kubectl and the controller's status messages use.

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Appends one segment: list indexes in brackets, map keys that are not identifiers quoted. */
export function childPath(parent: string, segment: string | number): string {
  if (typeof segment === 'number') return `${parent}[${segment}]`;
  if (IDENTIFIER.test(segment)) return parent ? `${parent}.${segment}` : segment;
  return `${parent}[${JSON.stringify(segment)}]`;
}

/** ajv's instancePath (`/spec/vendors/0/rules`) → `spec.vendors[0].rules`. Digits are list indexes. */
export function fromPointer(pointer: string, data: unknown): string {
  let path = '';
  let node: unknown = data;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const index = Array.isArray(node) ? Number(key) : undefined;
    path = childPath(path, index ?? key);
    node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
  }
  return path;
}

/** A value as a message shows it: short, quoted, and never a whole blob. */
export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (value !== null && typeof value === 'object') return 'a mapping';
  if (typeof value === 'string' && value.length > 60) return JSON.stringify(`${value.slice(0, 57)}...`);
  return JSON.stringify(value);
}
