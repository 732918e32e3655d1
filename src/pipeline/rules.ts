// Step: default deny; the first allow rule that covers the operation and whose
// constraints and CEL expression hold lets the call through. A call whose CEL
// evaluation ran past the cost budget is refused whatever the verdict (fail
// closed, never waived by dryrun): its rules could not be judged in bounded time.
// A request of several operations (parts) is judged part by part: every part
// must be allowed, or nothing is forwarded, and the refusal names the part.
import { policyRefusal, type CallContext, type Services, type Step } from './context.ts';
import type { RuleInput, RuleVerdict } from '../policy/compiled.ts';
import type { Refusal } from '../vendors/pack.ts';
import { celBudgetExceeded } from '../policy/cel.ts';
import { CEL_COST_BUDGET } from '../policy/cel-meter.ts';
import { refuse } from '../refusal/catalog.ts';

export const evaluateRules: Step = (ctx, services) => {
  const { method, path, headers } = ctx.request;
  if (!ctx.parts) return judge(ctx, services, { operation: ctx.operation?.id ?? '', method, path, body: ctx.body ?? {}, headers });
  const rules: string[] = [];
  for (const [i, part] of ctx.parts.entries()) {
    const input = { operation: part.operation.id, method, path, body: part.body, headers };
    const refusal = judge(ctx, services, input, (v) => `operation ${i + 1} of ${ctx.parts!.length}, ${part.label}: ${v}`);
    if (refusal) return refusal;
    if (ctx.rule) rules.push(ctx.rule);
  }
  ctx.rule = [...new Set(rules)].join(', ') || undefined;
  return undefined;
};

function judge(ctx: CallContext, services: Services, input: RuleInput, where = (message: string) => message): Refusal | undefined {
  const verdict: RuleVerdict = ctx.vendor.evaluate(input);
  ctx.rule = verdict.rule;
  if (celBudgetExceeded(input)) {
    services.onCelBudgetExceeded?.();
    return refuse('celBudget', CEL_COST_BUDGET);
  }
  if (verdict.allowed) return undefined;
  return policyRefusal(ctx, refuse('ruleDenied', where(verdict.message)));
}
