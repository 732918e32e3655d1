// Allow rules: default deny; the first rule that covers the operation and whose
// `where` constraints and CEL expression hold allows the call. A refusal names
// the nearest miss, so the agent (often an LLM) can tell what to change.
import type { Rule } from './schema.ts';
import type { CompiledRule, RuleInput, RuleMiss, RuleVerdict } from './compiled.ts';
import { isAllowPattern, parseAllowPattern, patternMatches } from './allow-pattern.ts';
import { compileConstraint } from './constraint.ts';
import { compileCel } from './cel.ts';

/** Compile a validated rule; regexes and the CEL program are built once here. */
export function compileRule(rule: Rule): CompiledRule {
  const ids = new Set(rule.allow.filter((entry) => !isAllowPattern(entry)));
  const patterns = rule.allow.filter(isAllowPattern).map(parseAllowPattern);
  const constraints = Object.entries(rule.where ?? {}).map(([field, c]) => ({ field, check: compileConstraint(field, c) }));
  const cel = rule.cel === undefined ? undefined : compileCel(rule.cel);

  return {
    name: rule.name,
    covers(operation, method, path) {
      return (operation !== '' && ids.has(operation)) || patterns.some((p) => patternMatches(p, method, path));
    },
    check(input): RuleMiss | undefined {
      for (const { field, check } of constraints) {
        const message = check(input);
        if (message) return { rule: rule.name, field, message };
      }
      const celMiss = cel?.evaluate(input);
      return celMiss ? { rule: rule.name, field: 'cel', message: celMiss } : undefined;
    },
  };
}

/** First covering rule that passes wins; otherwise the first covering rule's miss, or "not allowed by any rule". */
export function evaluateRules(rules: readonly CompiledRule[], input: RuleInput, policyName: string, allowed: readonly string[]): RuleVerdict {
  let nearest: RuleMiss | undefined;
  for (const rule of rules) {
    if (!rule.covers(input.operation, input.method, input.path)) continue;
    const miss = rule.check(input);
    if (!miss) return { allowed: true, rule: rule.name };
    nearest ??= miss;
  }
  if (nearest) return { allowed: false, rule: nearest.rule, message: `rule ${nearest.rule}: ${nearest.message}` };
  const operation = input.operation || `${input.method} ${input.path}`;
  return {
    allowed: false,
    message: `operation ${operation} is not allowed by any rule of policy ${policyName} (allowed: ${allowed.length ? allowed.join(', ') : 'nothing'})`,
  };
}

/** The distinct allow entries of a vendor's rules, for the "not allowed" message. */
export function allowedEntries(rules: readonly Rule[]): string[] {
  return [...new Set(rules.flatMap((r) => r.allow))];
}
