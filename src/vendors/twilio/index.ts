// The Twilio pack: api.twilio.com (REST API 2010-04-01), form-encoded
// requests, Basic credentials, cost estimated from SMS segments and call
// minutes.
import crypto from 'node:crypto';
import type { Operation, ParsedBody, VendorPack, PriceContext } from '../pack.ts';
import { validateUnitPrices } from '../unit-prices.ts';
import { paramOf } from '../param-names.ts';
import { parseTwilioRequest, textParam } from './body.ts';
import { identifyTwilio, TWILIO_OPERATIONS } from './catalog.ts';
import { estimateTwilioCost, TWILIO_PRICE_NAMES, twilioSettledAmount } from './cost.ts';
import { applyTwilioCredential, readBasicAuth } from './credential.ts';
import { twilioErrorResponse } from './errors.ts';

function sha256(text: string): string {
  return crypto.createHash('sha256').update(text).digest('hex');
}

/** The same recipient, sender and content: a stuck agent re-sending one message or re-placing one call. */
function twilioFingerprint(op: Operation, body: ParsedBody): unknown[] {
  const text = (name: string) => textParam(body, name);
  switch (op.id) {
    case 'messages.create': {
      const sender = text('From') ?? text('MessagingServiceSid');
      return [op.id, text('To'), sender, sha256(text('Body') ?? ''), paramOf(body, 'MediaUrl') ?? []];
    }
    case 'calls.create': {
      const script = text('Twiml') ?? text('Url') ?? text('ApplicationSid') ?? '';
      return [op.id, text('To'), text('From'), sha256(script)];
    }
    default:
      return [op.id, op.params];
  }
}

function validateTwilioEntry(entry: PriceContext): string[] {
  const errors = validateUnitPrices(entry.unitPrices, TWILIO_PRICE_NAMES, { byCountry: true });
  const minutes = entry.maxCallMinutes;
  if (minutes !== undefined && !(Number.isSafeInteger(minutes) && minutes > 0)) {
    errors.push('maxCallMinutes: must be a positive whole number of minutes');
  }
  return errors;
}

export const twilioPack: VendorPack = {
  id: 'twilio',
  hosts: ['api.twilio.com'],
  operations: TWILIO_OPERATIONS,
  identify: identifyTwilio,
  parse: (req) => parseTwilioRequest(req),
  presentedKey: readBasicAuth,
  applyCredential: (headers, secret, req) => applyTwilioCredential(headers, secret, req),
  estimateCost: (op, body, prices) => estimateTwilioCost(op, body, prices),
  settledAmount: (_op, response) => twilioSettledAmount(response),
  loopFingerprint: twilioFingerprint,
  responseRequestId: (headers) => headers['twilio-request-id'],
  errorResponse: twilioErrorResponse,
  validateEntry: validateTwilioEntry,
};
