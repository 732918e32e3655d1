// Refusals in Stripe's own error shape, so stripe-node
// raises its usual error class with keybrake's message — and does not retry:
// it retries 409 and every 5xx unless told otherwise, so those never go out.
import type { Refusal, VendorResponse } from '../pack.ts';

/** A status stripe-node will not retry; anything it would (or a non-error status) becomes 403. */
function unretriedStatus(status: number): number {
  return status < 400 || status === 409 || status >= 500 ? 403 : status;
}

export function stripeErrorResponse(refusal: Refusal): VendorResponse {
  const error: Record<string, string> = { type: 'invalid_request_error', code: refusal.code, message: refusal.message };
  if (refusal.param !== undefined) error.param = refusal.param;
  return {
    status: unretriedStatus(refusal.status),
    headers: { 'content-type': 'application/json', 'stripe-should-retry': 'false' },
    body: JSON.stringify({ error }),
  };
}
