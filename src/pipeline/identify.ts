// Step: map method + path to the vendor's operation and parse the body in the
// vendor's encoding. A body the pack cannot parse unambiguously is refused.
import type { Step } from './context.ts';
import { RUN_ID_HEADER } from '../proxy/headers.ts';

export const identifyOperation: Step = (ctx) => {
  const { pack } = ctx.vendor;
  const { method, path, headers } = ctx.request;
  ctx.operation = pack.identify(method, path);
  const parsed = pack.parse(ctx.request, ctx.operation);
  if (!parsed.ok) return parsed.refusal;
  ctx.body = parsed.body;
  ctx.idempotencyKey = headers['idempotency-key'] || undefined;
  ctx.runId = headers[RUN_ID_HEADER] || pack.runIdFromBody?.(parsed.body) || undefined;
  return undefined;
};
