// A Shopify request → what rules and cost see.
// GraphQL (POST …/graphql.json, JSON {query, variables, operationName}): the
// document is resolved (document.ts); a query is the read `query`, a mutation
// is one part per top-level field, its body `{<field>: <arguments>}` so rules
// read `refundCreate.input.transactions[*].amount`. REST writes: the JSON body.
// Anything that cannot be read exactly is refused.
import type { Operation, OperationPart, ParseResult, ParsedBody, VendorRequest } from '../pack.ts';
import { decodeJsonBody } from '../email/json-body.ts';
import { isPlainObject } from '../../guards.ts';
import { oversizedShape } from '../body-text.ts';
import { mutationModel } from './mutations.ts';
import { resolveRequest, type MutationCall } from './document.ts';
import { GRAPHQL_GET_ID, GRAPHQL_ID } from './catalog.ts';
import { define } from './values.ts';
import { refuseParam } from '../../refusal/catalog.ts';

const GRAPHQL_KEYS = new Set(['query', 'variables', 'operationName']);

/** What the pack keeps of a GraphQL mutation request (the request's ParsedBody). */
export interface GraphqlBody {
  calls: MutationCall[];
}

export function callsOf(body: ParsedBody): MutationCall[] | undefined {
  return Array.isArray(body.calls) ? (body.calls as MutationCall[]) : undefined;
}

function refuse(message: string, param?: string): ParseResult {
  return { ok: false, refusal: refuseParam(param, 'unparseableBody', message) };
}

export function parseShopifyRequest(req: VendorRequest, op: Operation): ParseResult {
  if (op.id === GRAPHQL_GET_ID) return refuse('keybrake governs GraphQL sent as POST with a JSON body only; send the query as POST');
  if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'DELETE') return { ok: true, body: {} };
  if (req.query !== '') return refuse('keybrake refuses query parameters on a request with a body; send them in the JSON body');
  const json = decodeJsonBody(req);
  if (!json.ok) return refuse(json.message);
  if (op.id !== GRAPHQL_ID) {
    if (json.value === undefined) return { ok: true, body: {} };
    return isPlainObject(json.value) ? { ok: true, body: json.value } : refuse('the request body must be a JSON object');
  }
  if (!isPlainObject(json.value)) return refuse('a GraphQL request body must be a JSON object {query, variables, operationName}');
  const extra = Object.keys(json.value).find((k) => !GRAPHQL_KEYS.has(k));
  if (extra !== undefined)
    return refuse(`a GraphQL request field ${JSON.stringify(extra.slice(0, 40))} cannot be judged; send only query, variables and operationName`, extra);
  const big = oversizedShape(json.value.variables);
  if (big) return refuse(big, 'variables');
  const resolved = resolveRequest(json.value);
  if (!resolved.ok) return refuse(`keybrake could not resolve this GraphQL request, so it was not forwarded: ${resolved.message}`);
  if (resolved.type === 'query') return { ok: true, body: {} };
  const body: GraphqlBody = { calls: resolved.calls };
  // A retry of the whole document carries the same keys; a document where any mutation has none has no key.
  const keys = resolved.calls.map((c) => c.idempotencyKey);
  const idempotencyKey = keys.every((k) => k !== undefined) ? JSON.stringify(keys) : undefined;
  return { ok: true, body: body as unknown as ParsedBody, parts: resolved.calls.map(partOf), ...(idempotencyKey ? { idempotencyKey } : {}) };
}

function partOf(call: MutationCall): OperationPart {
  const body: ParsedBody = {};
  define(body, call.field, call.args);
  return {
    operation: { id: call.field, billable: mutationModel(call.field) !== undefined, params: {} },
    body,
    label: call.alias ? `${call.field} (alias ${call.alias})` : call.field,
  };
}
