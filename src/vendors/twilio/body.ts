// Twilio request parameters: form-encoded PascalCase fields in the POST body,
// `MediaUrl` repeated once per attachment (twilio-node: qs arrayFormat
// "repeat"); reads carry theirs in the query string. Any other key given twice
// is refused by the form codec, so a rule and Twilio never read different
// values of `To` or `Body`. Names differing only in case (`Body` and `body`)
// are refused too, and cost reads names case-insensitively: if Twilio accepts
// `body=`, its length still counts.
import type { ParsedBody, Refusal, VendorRequest } from '../pack.ts';
import { parseForm } from '../form.ts';
import { decodeBodyText } from '../body-text.ts';
import { caseClash, paramOf } from '../param-names.ts';
import { refuseParam } from '../../refusal/catalog.ts';

const FORM_TYPE = 'application/x-www-form-urlencoded';
const REPEATABLE = new Set(['MediaUrl']);

function unparseable(message: string, param?: string): { ok: false; refusal: Refusal } {
  return { ok: false, refusal: refuseParam(param, 'unparseableBody', message) };
}

function parseParams(text: string): { ok: true; body: ParsedBody } | { ok: false; refusal: Refusal } {
  const form = parseForm(text, { repeatable: (key) => REPEATABLE.has(key) });
  if (!form.ok) return unparseable(form.message, form.param);
  const clash = caseClash(form.value);
  if (clash) return unparseable(`parameters '${clash[0]}' and '${clash[1]}' differ only in case; send one`, clash[1]);
  return { ok: true, body: form.value };
}

/** A single-valued text parameter by its Twilio name, whatever case the request used. */
export function textParam(body: ParsedBody, name: string): string | undefined {
  const value = paramOf(body, name);
  return typeof value === 'string' ? value : undefined;
}

export function parseTwilioRequest(req: VendorRequest): { ok: true; body: ParsedBody } | { ok: false; refusal: Refusal } {
  if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'DELETE') return parseParams(req.query);
  // Parameters in both places would leave it to Twilio which one wins: refuse.
  if (req.query !== '') return unparseable('keybrake refuses query parameters on a Twilio POST; send every parameter in the form body');
  if (req.body.length === 0) return { ok: true, body: {} };
  const [type, ...params] = (req.headers['content-type'] ?? '').split(';').map((s) => s.trim().toLowerCase());
  if (type !== FORM_TYPE) return unparseable(`Twilio request bodies must be ${FORM_TYPE}, got "${type || 'none'}"`);
  const charset = params
    .find((p) => p.startsWith('charset='))
    ?.slice('charset='.length)
    .replace(/"/g, '');
  if (charset !== undefined && charset !== 'utf-8') return unparseable(`form bodies must be UTF-8, not ${charset}`);
  const decoded = decodeBodyText(req.body);
  if (!decoded.ok) return unparseable(decoded.message);
  return parseParams(decoded.text);
}
