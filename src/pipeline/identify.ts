// Step: map method + path to the vendor's operation and parse the body in the
// vendor's encoding. A body the pack cannot parse unambiguously is refused.
// A request that carries several operations (a GraphQL document) is named by
// them: one part is that operation, several are `a+b` (billable when any is).
import type { Step } from './context.ts';
import type { Operation, OperationPart } from '../vendors/pack.ts';
import { RUN_ID_HEADER } from '../http/headers.ts';

export const identifyOperation: Step = (ctx) => {
  const { pack } = ctx.vendor;
  const { method, path, headers } = ctx.request;
  ctx.operation = pack.identify(method, path);
  const parsed = pack.parse(ctx.request, ctx.operation);
  if (!parsed.ok) return parsed.refusal;
  ctx.body = parsed.body;
  if (parsed.parts?.length) {
    ctx.parts = parsed.parts;
    ctx.operation = combined(parsed.parts);
  }
  ctx.idempotencyKey = headers['idempotency-key'] || parsed.idempotencyKey || undefined;
  ctx.runId = headers[RUN_ID_HEADER] || pack.runIdFromBody?.(parsed.body) || undefined;
  return undefined;
};

function combined(parts: readonly OperationPart[]): Operation {
  if (parts.length === 1) return parts[0]!.operation;
  return { id: parts.map((p) => p.operation.id).join('+'), billable: parts.some((p) => p.operation.billable), params: {} };
}
