// Refusals in Resend's error shape {statusCode, name, message}. resend-node
// does not throw: any non-2xx answer becomes `{ data: null, error }` with this
// object as `error`, and it never retries, so the status is kept as keybrake
// chose it. `name` is the Resend name closest in meaning; the keybrake code
// is in the message and in `keybrake_code`.
import type { Refusal, VendorResponse } from '../pack.ts';

function resendName(status: number): string {
  if (status === 401) return 'invalid_api_key';
  if (status === 429) return 'rate_limit_exceeded';
  if (status >= 500) return 'application_error';
  return 'validation_error';
}

export function resendErrorResponse(refusal: Refusal): VendorResponse {
  const body = {
    statusCode: refusal.status,
    name: resendName(refusal.status),
    message: `${refusal.message} [${refusal.code}]`,
    keybrake_code: refusal.code,
    ...(refusal.param ? { keybrake_param: refusal.param } : {}),
  };
  return { status: refusal.status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}
