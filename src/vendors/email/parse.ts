// Request parsing for the JSON email vendors. Reads carry their parameters in
// the query string; writes carry a JSON body whose expected shape depends on
// the operation: one email, a list of emails (bare, or under a key such as
// Postmark's `Messages`), or any JSON object.
import type { OperationDef, ParsedBody, Refusal, VendorRequest } from '../pack.ts';
import { parseForm } from '../form.ts';
import { parseEmail, parseEmailList } from './emails.ts';
import { decodeJsonBody } from './json-body.ts';
import { isPlainObject } from '../../guards.ts';
import { refuseParam } from '../../refusal/catalog.ts';

export type BodyShape =
  | { kind: 'email' }
  /** `at`: the key of an object that holds the list; absent for a bare JSON array. */
  | { kind: 'emails'; at?: string }
  | { kind: 'object' };

/** A catalog entry of an email vendor: the operation and how its body is read. */
export interface EmailOperationDef extends OperationDef {
  body: BodyShape;
}

const ANY_OBJECT: BodyShape = { kind: 'object' };

/** Body shape by operation id; unknown operations take any JSON object. */
export function shapesOf(operations: readonly EmailOperationDef[]): (id: string) => BodyShape {
  const byId = new Map(operations.map((op) => [op.id, op.body]));
  return (id) => byId.get(id) ?? ANY_OBJECT;
}

export type ParseResult = { ok: true; body: ParsedBody } | { ok: false; refusal: Refusal };

function unparseable(message: string, param?: string): ParseResult {
  return { ok: false, refusal: refuseParam(param, 'unparseableBody', message) };
}

function parseList(value: unknown, at: string | undefined, fields: readonly string[]): ParseResult {
  if (at === undefined) {
    const list = parseEmailList(value, fields);
    return list.ok ? list : unparseable(list.message, list.param);
  }
  if (!isPlainObject(value)) return unparseable(`the request body must be a JSON object with a "${at}" list`);
  const list = parseEmailList(value[at], fields, `"${at}"`);
  if (!list.ok) return unparseable(list.message, list.param === undefined ? at : `${at}.${list.param}`);
  const { [at]: _, ...rest } = value;
  return { ok: true, body: { ...rest, ...list.body } };
}

/** `fields`: the vendor's recipient field names, counted and exposed to rules. */
export function parseEmailRequest(req: VendorRequest, shape: BodyShape, fields: readonly string[]): ParseResult {
  if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'DELETE') {
    const form = parseForm(req.query);
    return form.ok ? { ok: true, body: form.value } : unparseable(form.message, form.param);
  }
  // Parameters in both the query and the body would leave it to the vendor which one counts.
  if (req.query !== '') return unparseable('keybrake refuses query parameters on a request with a body; send them in the JSON body');
  const json = decodeJsonBody(req);
  if (!json.ok) return unparseable(json.message);
  if (json.value === undefined && shape.kind === 'object') return { ok: true, body: {} };
  switch (shape.kind) {
    case 'email': {
      const one = parseEmail(json.value, fields);
      return one.ok ? one : unparseable(one.message, one.param);
    }
    case 'emails':
      return parseList(json.value, shape.at, fields);
    case 'object':
      return isPlainObject(json.value) ? { ok: true, body: json.value } : unparseable('the request body must be a JSON object');
  }
}
