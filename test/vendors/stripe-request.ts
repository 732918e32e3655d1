// Test helper: Stripe requests as the pipeline hands them to the pack.
import type { CostEstimate, ParsedBody, VendorRequest } from '../../src/vendors/pack.ts';
import { stripePack } from '../../src/vendors/stripe/index.ts';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

export function stripeRequest(method: string, target: string, body = '', headers: Record<string, string> = FORM): VendorRequest {
  const [path, query = ''] = target.split('?');
  return { method, path: path!, query, headers, body: Buffer.from(body) };
}

/** Identify and parse like the pipeline does; throws when the pack refuses to parse. */
export function parsedCall(method: string, target: string, body = ''): { op: ReturnType<typeof stripePack.identify>; body: ParsedBody } {
  const req = stripeRequest(method, target, body);
  const op = stripePack.identify(req.method, req.path);
  const parsed = stripePack.parse(req, op);
  if (!parsed.ok) throw new Error(`refused: ${parsed.refusal.message}`);
  return { op, body: parsed.body };
}

export function estimate(method: string, target: string, body = ''): CostEstimate {
  const req = stripeRequest(method, target, body);
  const { op, body: parsed } = parsedCall(method, target, body);
  return stripePack.estimateCost(op, parsed, {}, req);
}
