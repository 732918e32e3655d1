// Step: default deny; the first allow rule that covers the operation and whose
// constraints and CEL expression hold lets the call through. A call whose CEL
// evaluation ran past the cost budget is refused whatever the verdict (fail
// closed, never waived by dryrun): its rules could not be judged in bounded time.
import { policyRefusal, type Step } from './context.ts';
import { celBudgetExceeded } from '../policy/cel.ts';
import { CEL_COST_BUDGET } from '../policy/cel-meter.ts';

export const RULE_DENIED_CODE = 'keybrake_rule_denied';
export const CEL_BUDGET_CODE = 'keybrake_cel_budget';

export const evaluateRules: Step = (ctx, services) => {
  const { method, path, headers } = ctx.request;
  const input = {
    operation: ctx.operation?.id ?? '',
    method,
    path,
    body: ctx.body ?? {},
    headers,
  };
  const verdict = ctx.vendor.evaluate(input);
  ctx.rule = verdict.rule;
  if (celBudgetExceeded(input)) {
    services.onCelBudgetExceeded?.();
    return {
      status: 403,
      code: CEL_BUDGET_CODE,
      message: `Evaluating the policy's CEL expressions for this request exceeded the cost budget (${CEL_COST_BUDGET} list and map element visits), so it was refused. Send fewer list elements, or ask for a rule that does not iterate them in nested loops.`,
    };
  }
  if (verdict.allowed) return undefined;
  return policyRefusal(ctx, { status: 403, code: RULE_DENIED_CODE, message: verdict.message });
};
