// The policy after validation and compilation: what the data plane reads per request.
// Built by compile.ts from EgressPolicy documents; immutable once built.
import type { EgressPolicy, Enforcement, VendorEntry } from './schema.ts';
import type { VendorPack } from '../vendors/pack.ts';
import type { Rate } from '../money/money.ts';

/** Input a rule is checked against. Header names are lowercase. */
export interface RuleInput {
  operation: string; // operation id, or '' when the pack does not know the path
  method: string;
  path: string;
  body: Record<string, unknown>;
  headers: Record<string, string>;
}

/** Why a rule did not allow a request: names the rule, the field and the numbers. */
export interface RuleMiss {
  rule: string;
  field?: string;
  message: string; // e.g. "amount 9000 > max 5000"
}

export interface CompiledRule {
  name: string;
  /** Does the rule's allow list cover this operation (by id, or method + path pattern)? */
  covers(operation: string, method: string, path: string): boolean;
  /** undefined when every constraint and the CEL expression hold. */
  check(input: RuleInput): RuleMiss | undefined;
}

export type RuleVerdict = { allowed: true; rule: string } | { allowed: false; rule?: string; message: string };

export type CapWindow = { kind: 'rolling'; ms: number; label: string } | { kind: 'calendar'; unit: 'day' | 'week' | 'month'; timeZone: string; label: string };

export type CapLimit =
  | { kind: 'spend'; amount: number; currency: string } // integer minor units of `currency`
  | { kind: 'requests'; count: number }
  | { kind: 'units'; count: number; unit: string };

export interface CompiledCap {
  /** Stable across reloads while the cap's definition is unchanged: policy/vendor/window/limit/per/operations. */
  id: string;
  name: string; // "24h stripe spend"
  window: CapWindow;
  limit: CapLimit;
  operations?: ReadonlySet<string>;
  per: 'key' | 'run';
}

export interface CompiledVendor {
  policyName: string;
  policyNamespace?: string;
  useCase: string;
  enforcement: Enforcement;
  entry: VendorEntry;
  pack: VendorPack;
  hosts: readonly string[];
  /** sha256 hex → agent key id */
  agentKeys: ReadonlyMap<string, string>;
  rules: readonly CompiledRule[];
  /** First allowing rule wins; otherwise the refusal names the nearest miss. */
  evaluate(input: RuleInput): RuleVerdict;
  caps: readonly CompiledCap[];
  loopBrake?: { maxIdentical: number; withinMs: number };
  /** Lowercase currency → rate into each cap's currency (units of cap currency per unit). */
  fx: ReadonlyMap<string, Rate>;
}

export interface CompiledPolicy {
  /** Increments on every successful load in this process. */
  generation: number;
  /** SHA-256 of the canonical policy documents. */
  hash: string;
  documents: readonly EgressPolicy[];
  /** Lowercase host → governing vendor entry. */
  byHost: ReadonlyMap<string, CompiledVendor>;
  /** Lowercase hosts (exact, or `*.example.com` suffix patterns) tunnelled untouched. */
  isPassthrough(host: string): boolean;
  allowPrivatePassthrough: boolean;
  /** Set when any document says `spec.killed: true`. */
  killedBy?: string;
  /** Set while no policy is loaded (no-policy.ts): why, for /status and the refusal. Every call is refused. */
  unloaded?: string;
}
