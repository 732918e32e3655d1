// The Stripe pack: api.stripe.com, form-encoded v1 (JSON v2) requests, Bearer
// or Basic credentials, cost from the request or a lookup of the object the
// money comes from.
import type { Operation, ParsedBody, VendorPack, PriceContext } from '../pack.ts';
import { compileCatalog } from '../paths.ts';
import { STRIPE_OPERATIONS } from './catalog.ts';
import { estimateStripeCost } from './cost.ts';
import { stripeApplyCredential, stripePresentedKey } from './credentials.ts';
import { stripeErrorResponse } from './errors.ts';
import { valueAt } from './fields.ts';
import { parseStripeRequest } from './parse.ts';
import { stripeSettledAmount } from './settle.ts';

/** Fields that make two calls "the same" money movement; idempotency keys are headers, so never here. */
const SIGNIFICANT = ['amount', 'currency', 'customer', 'destination', 'charge', 'payment_intent'] as const;

function stripeFingerprint(op: Operation, body: ParsedBody): unknown[] {
  const params = Object.keys(op.params)
    .sort()
    .map((k) => `${k}=${op.params[k]}`);
  return [op.id, ...params, ...SIGNIFICANT.map((k) => body[k] ?? null)];
}

function stripeRunId(body: ParsedBody): string | undefined {
  const id = valueAt(body, 'metadata.agent_run_id');
  return typeof id === 'string' && id !== '' ? id : undefined;
}

/** Stripe prices come from the request, not the policy. */
function validateStripeEntry(entry: PriceContext): string[] {
  const errors: string[] = [];
  if (entry.unitPrices !== undefined) errors.push('unitPrices: Stripe amounts come from each request; remove unitPrices');
  if (entry.maxCallMinutes !== undefined) errors.push('maxCallMinutes: only Twilio places calls; remove it');
  return errors;
}

export const stripePack: VendorPack = {
  id: 'stripe',
  hosts: ['api.stripe.com'],
  operations: STRIPE_OPERATIONS,
  identify: compileCatalog(STRIPE_OPERATIONS),
  parse: (req) => parseStripeRequest(req),
  presentedKey: stripePresentedKey,
  applyCredential: (headers, secret) => stripeApplyCredential(headers, secret),
  estimateCost: (op, body) => estimateStripeCost(op, body),
  settledAmount: stripeSettledAmount,
  loopFingerprint: stripeFingerprint,
  runIdFromBody: stripeRunId,
  responseRequestId: (headers) => headers['request-id'],
  errorResponse: stripeErrorResponse,
  validateEntry: validateStripeEntry,
};
