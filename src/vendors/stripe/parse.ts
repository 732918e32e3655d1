// Stripe request parameters as Stripe reads them: v1 is form-encoded (body
// for POST, query for GET/DELETE — both are read, as one form, so a parameter
// cannot hide in the half the proxy skipped); /v2 is JSON. Anything the proxy
// could read differently from Stripe is refused.
import type { ParsedBody, Refusal, VendorRequest } from '../pack.ts';
import { parseForm } from '../form.ts';
import { decodeBodyText } from '../body-text.ts';
import { decodeJsonBody } from '../email/json-body.ts';
import { isPlainObject } from '../../guards.ts';
import { refuseParam } from '../../refusal/catalog.ts';

const FORM_TYPE = 'application/x-www-form-urlencoded';

type Parsed = { ok: true; body: ParsedBody } | { ok: false; refusal: Refusal };

function unparseable(message: string, param?: string): Parsed {
  return { ok: false, refusal: refuseParam(param, 'unparseableBody', message) };
}

/** stripe-node's rule: any path starting with /v2 is the v2 (JSON) API. */
export function isV2(path: string): boolean {
  return path.startsWith('/v2');
}

export function parseStripeRequest(req: VendorRequest): Parsed {
  const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (encoding !== 'identity') return unparseable(`compressed request bodies (${encoding}) are not accepted; send the body uncompressed`);
  return isV2(req.path) && req.body.length > 0 ? parseJson(req) : parseFormRequest(req);
}

function parseFormRequest(req: VendorRequest): Parsed {
  let text = '';
  if (req.body.length > 0) {
    const [type, ...params] = (req.headers['content-type'] ?? '').split(';').map((s) => s.trim().toLowerCase());
    if (type !== FORM_TYPE) {
      return unparseable(`Stripe v1 request bodies must be ${FORM_TYPE}; got "${type || 'no content type'}"`);
    }
    const charset = params
      .find((p) => p.startsWith('charset='))
      ?.slice('charset='.length)
      .replace(/"/g, '');
    if (charset !== undefined && charset !== 'utf-8') return unparseable(`form bodies must be UTF-8, not ${charset}`);
    const decoded = decodeBodyText(req.body);
    if (!decoded.ok) return unparseable(decoded.message);
    text = decoded.text;
  }
  const form = parseForm(req.query && text ? `${req.query}&${text}` : req.query || text);
  if (!form.ok) return unparseable(`${form.message} (the request was not forwarded)`, form.param);
  return { ok: true, body: form.value };
}

function parseJson(req: VendorRequest): Parsed {
  if (req.query !== '') return unparseable('a Stripe v2 request with a JSON body must not also carry query parameters');
  const json = decodeJsonBody(req);
  if (!json.ok) return unparseable(json.message);
  if (!isPlainObject(json.value)) return unparseable('a Stripe v2 request body must be a JSON object');
  return { ok: true, body: json.value };
}
