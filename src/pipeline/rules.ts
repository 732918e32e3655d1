// Step: default deny; the first allow rule that covers the operation and whose
// constraints and CEL expression hold lets the call through.
import { policyRefusal, type Step } from './context.ts';

export const RULE_DENIED_CODE = 'keybrake_rule_denied';

export const evaluateRules: Step = (ctx) => {
  const { method, path, headers } = ctx.request;
  const verdict = ctx.vendor.evaluate({
    operation: ctx.operation?.id ?? '',
    method,
    path,
    body: ctx.body ?? {},
    headers,
  });
  ctx.rule = verdict.rule;
  if (verdict.allowed) return undefined;
  return policyRefusal(ctx, { status: 403, code: RULE_DENIED_CODE, message: verdict.message });
};
