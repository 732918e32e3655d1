// Parameter names as lenient servers read them. Some vendors match names
// case-insensitively (Postmark's JSON binder, possibly Twilio's forms), so a
// body with `To` and `to` could be judged on one and delivered to the other.
// Packs refuse such bodies and read cost and recipient fields whatever their case.

/** Two keys of `obj` that differ only in case, if any. */
export function caseClash(obj: Record<string, unknown>): [string, string] | undefined {
  const seen = new Map<string, string>();
  for (const key of Object.keys(obj)) {
    const other = seen.get(key.toLowerCase());
    if (other !== undefined) return [other, key];
    seen.set(key.toLowerCase(), key);
  }
  return undefined;
}

/** The value of `name` in `obj`, matched case-insensitively (exact match first). */
export function paramOf(obj: Record<string, unknown>, name: string): unknown {
  if (Object.hasOwn(obj, name)) return obj[name];
  const lower = name.toLowerCase();
  const key = Object.keys(obj).find((k) => k.toLowerCase() === lower);
  return key === undefined ? undefined : obj[key];
}
