// Refusals in Postmark's error shape {ErrorCode, Message}. postmark.js turns a
// 401 into InvalidAPIKeyError and a 422 into ApiInputError (its subclass
// InvalidEmailRequestError for ErrorCode 300); it never retries. So keybrake
// answers 401 for key problems, 5xx for its own faults, and 422 for the rest,
// with Postmark's closest ErrorCode; the keybrake code is in the message and
// in `KeybrakeCode`.
import type { Refusal, VendorResponse } from '../pack.ts';

const BAD_TOKEN = 10; // "Bad or missing API token"
const INVALID_REQUEST = 300; // "Invalid email request"
const NOT_ALLOWED_TO_SEND = 405; // "Not allowed to send"

function errorCode(refusal: Refusal, status: number): number {
  if (status === 401) return BAD_TOKEN;
  if (refusal.status === 400 || refusal.status === 413 || refusal.status === 415) return INVALID_REQUEST;
  return NOT_ALLOWED_TO_SEND;
}

export function postmarkErrorResponse(refusal: Refusal): VendorResponse {
  const status = refusal.status === 401 || refusal.status >= 500 ? refusal.status : 422;
  const body = {
    ErrorCode: errorCode(refusal, status),
    Message: `${refusal.message} [${refusal.code}]`,
    KeybrakeCode: refusal.code,
    ...(refusal.param ? { KeybrakeParam: refusal.param } : {}),
  };
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}
