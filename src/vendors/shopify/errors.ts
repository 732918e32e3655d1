// Refusals in the shape Shopify's GraphQL clients read:
//   {"errors":[{"message": "...", "extensions": {"code": "KEYBRAKE_RULE_DENIED"}}]}
// Status, from @shopify/shopify-api 15 / @shopify/graphql-client 2:
// - GraphQL: 200. The client retries only 429 and 503 (RETRIABLE_STATUS_CODES),
//   and only a 200 reaches the caller with the body: shopify-api throws
//   GraphqlQueryError carrying `body.errors.graphQLErrors` (our message and
//   code); on a 4xx it throws HttpResponseError with the status text only.
//   Shopify itself answers 200 with `errors` for ACCESS_DENIED and THROTTLED.
// - REST: the refusal's own 4xx; the REST client retries 429, 500 and 503,
//   so 429 and 500 become 403.
// The one refusal meant to be retried, keybrake_busy (503: the body budget is
// spent, a retry may well pass), keeps its 503 on both.
import type { Refusal, VendorRequest, VendorResponse } from '../pack.ts';

const RETRIED_BY_REST_CLIENT = new Set([429, 500]);
const RETRY_WANTED = 503;

export function isGraphqlPath(path: string): boolean {
  return /\/graphql\.json$/.test(path);
}

export function shopifyErrorResponse(refusal: Refusal, req?: VendorRequest): VendorResponse {
  const code = refusal.code.toUpperCase();
  const error = {
    message: `${refusal.message} [${code}]`,
    extensions: { code, ...(refusal.param ? { param: refusal.param } : {}) },
  };
  // Without the request, a 4xx: never a 200 a REST client would take for success.
  const graphql = req !== undefined && isGraphqlPath(req.path);
  let status = refusal.status;
  if (status !== RETRY_WANTED) status = graphql ? 200 : RETRIED_BY_REST_CLIENT.has(status) ? 403 : status;
  return { status, headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify({ errors: [error] }) };
}
