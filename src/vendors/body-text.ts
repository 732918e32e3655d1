// Request bytes → text, exactly as the vendor will read them. TextDecoder's
// default silently drops a leading byte-order mark: the proxy would judge
// `amount=100` while the vendor reads a parameter named `\uFEFFamount`. So the
// BOM is kept (ignoreBOM) and refused, and invalid UTF-8 is refused rather
// than replaced: the text judged is the text forwarded.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export const BOM = '\uFEFF';

export type BodyText = { ok: true; text: string } | { ok: false; message: string };

export function decodeBodyText(body: Uint8Array): BodyText {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    return { ok: false, message: 'the request body is not valid UTF-8' };
  }
  if (text.startsWith(BOM)) {
    return {
      ok: false,
      message: 'the request body starts with a byte-order mark (EF BB BF), which the vendor would read as part of the first name; send the body without it',
    };
  }
  return { ok: true, text };
}

/** Most elements in one list of a parsed body; bounds what rules and CEL iterate. */
export const MAX_LIST_ELEMENTS = 1000;
/** Deepest nesting of a JSON body. */
export const MAX_JSON_DEPTH = 32;

/** Why a parsed JSON value is too large to judge (a list too long, nesting too deep), or undefined. */
export function oversizedShape(value: unknown, depth = 0): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  if (depth >= MAX_JSON_DEPTH) return `the request body nests more than ${MAX_JSON_DEPTH} levels deep`;
  const children = Array.isArray(value) ? value : Object.values(value);
  if (Array.isArray(value) && value.length > MAX_LIST_ELEMENTS) {
    return `a list in the request body has ${value.length} elements, more than the limit of ${MAX_LIST_ELEMENTS}`;
  }
  for (const child of children) {
    const problem = oversizedShape(child, depth + 1);
    if (problem) return problem;
  }
  return undefined;
}
