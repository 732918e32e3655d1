// Decode a JSON request body strictly: JSON content type, valid UTF-8, valid
// JSON. Anything else is refused rather than guessed at, because a body the
// proxy reads differently from the vendor is a way around the rules.
// (Duplicate object keys cannot be seen through JSON.parse; like the vendors'
// own parsers it keeps the last one, so both sides read the same value.)
import type { VendorRequest } from '../pack.ts';
import { decodeBodyText, oversizedShape } from '../body-text.ts';

export type JsonResult = { ok: true; value: unknown } | { ok: false; message: string };

/** The body's JSON value; an empty body is `undefined` (bodiless POSTs such as cancel). */
export function decodeJsonBody(req: VendorRequest): JsonResult {
  if (req.body.length === 0) return { ok: true, value: undefined };
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json' && !type.endsWith('+json')) {
    return { ok: false, message: `keybrake reads only JSON request bodies here (Content-Type: application/json), got "${type || 'none'}"` };
  }
  const decoded = decodeBodyText(req.body);
  if (!decoded.ok) return decoded;
  let value: unknown;
  try {
    value = JSON.parse(decoded.text);
  } catch (err) {
    return { ok: false, message: `the request body is not valid JSON (${(err as Error).message})` };
  }
  const oversized = oversizedShape(value);
  return oversized ? { ok: false, message: oversized } : { ok: true, value };
}
