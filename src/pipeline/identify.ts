// Step 4, in two halves. identifyOperation maps method + path to the vendor's
// operation and reads the request's headers: it reads no body, so it runs
// before the kill check and a killed call is still audited with its operation.
// parseBody parses the body in the vendor's encoding, after the kill check; a
// body the pack cannot parse unambiguously is refused. A request that carries
// several operations (a GraphQL document) is then named by them: one part is
// that operation, several are `a+b` (billable when any is).
import type { CallContext, Step } from './context.ts';
import type { Operation, OperationPart } from '../vendors/pack.ts';
import { RUN_ID_HEADER } from '../http/headers.ts';

export function identifyOperation(ctx: CallContext): void {
  const { method, path, headers } = ctx.request;
  ctx.operation = ctx.vendor.pack.identify(method, path);
  ctx.idempotencyKey = headers['idempotency-key'] || undefined;
  ctx.runId = headers[RUN_ID_HEADER] || undefined;
}

export const parseBody: Step = (ctx) => {
  const { pack } = ctx.vendor;
  const parsed = pack.parse(ctx.request, ctx.operation ?? pack.identify(ctx.request.method, ctx.request.path));
  if (!parsed.ok) return parsed.refusal;
  ctx.body = parsed.body;
  if (parsed.parts?.length) {
    ctx.parts = parsed.parts;
    ctx.operation = combined(parsed.parts);
  }
  // A key in the body (Shopify's @idempotent) when the headers carry none.
  ctx.idempotencyKey ??= parsed.idempotencyKey || undefined;
  ctx.runId ??= pack.runIdFromBody?.(parsed.body) || undefined;
  return undefined;
};

function combined(parts: readonly OperationPart[]): Operation {
  if (parts.length === 1) return parts[0]!.operation;
  return { id: parts.map((p) => p.operation.id).join('+'), billable: parts.some((p) => p.operation.billable), params: {} };
}
