// Refusals in Twilio's legacy error shape, which twilio-node turns into a
// RestException: {code, message, more_info, status}. `code` is a Twilio error
// number close in meaning; the keybrake code is in the message and in
// `keybrake_code`. twilio-node retries only 429 (and only with autoRetry),
// so a refusal never uses 429: a cap is not lifted by retrying in a second.
import type { Refusal, VendorResponse } from '../pack.ts';

const TWILIO_CODES: Record<number, number> = {
  401: 20003, // authentication failed
  404: 20404, // resource not found
};
const FORBIDDEN = 20403; // everything keybrake refuses on purpose

export function twilioErrorResponse(refusal: Refusal): VendorResponse {
  const status = refusal.status === 429 ? 403 : refusal.status;
  const code = TWILIO_CODES[status] ?? FORBIDDEN;
  const body = {
    code,
    message: `${refusal.message} [${refusal.code}]`,
    more_info: `https://www.twilio.com/docs/errors/${code}`,
    status,
    keybrake_code: refusal.code,
    ...(refusal.param ? { keybrake_param: refusal.param } : {}),
  };
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}
