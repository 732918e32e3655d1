// The status the controller writes on each EgressPolicy: metav1.Conditions
// Accepted and Ready (reason + a message naming the field), observedGeneration,
// the number of pods the selector matches, and who killed it, when and why.
import type { Problem } from './checks.ts';
import { describeProblems } from './checks.ts';

export interface Condition {
  type: 'Accepted' | 'Ready';
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  observedGeneration: number;
  lastTransitionTime: string;
}

export interface KillRecord {
  by: string;
  at: string;
  reason: string;
}

export interface PolicyStatus {
  observedGeneration: number;
  matchedPods: number;
  conditions: Condition[];
  configMapGeneration?: number;
  kill?: KillRecord;
}

export interface StatusInput {
  generation: number;
  problems: Problem[];
  /** The generation of this policy the ConfigMap serves, if any. */
  served?: number;
  configMapGeneration?: number;
  configMap: string;
  matchedPods: number;
  kill?: KillRecord;
  previous?: { conditions?: Condition[] };
  now: string;
}

function condition(
  type: Condition['type'],
  status: Condition['status'],
  reason: string,
  message: string,
  generation: number,
  previous: Condition[] | undefined,
  now: string,
): Condition {
  const old = previous?.find((c) => c.type === type);
  // lastTransitionTime moves only when the status flips.
  const lastTransitionTime = old && old.status === status && old.lastTransitionTime ? old.lastTransitionTime : now;
  return { type, status, reason, message, observedGeneration: generation, lastTransitionTime };
}

export function buildStatus(s: StatusInput): PolicyStatus {
  const prev = s.previous?.conditions;
  const [firstProblem] = s.problems;
  const accepted = firstProblem === undefined;
  const conditions = [
    accepted
      ? condition('Accepted', 'True', 'Valid', 'the policy passed every check', s.generation, prev, s.now)
      : condition('Accepted', 'False', firstProblem.reason, describeProblems(s.problems), s.generation, prev, s.now),
    accepted && s.served === s.generation
      ? condition(
          'Ready',
          'True',
          'Compiled',
          `in ConfigMap ${s.configMap} (generation ${s.configMapGeneration}); matching sidecars enforce it`,
          s.generation,
          prev,
          s.now,
        )
      : accepted
        ? condition('Ready', 'False', 'Pending', `not yet written to ConfigMap ${s.configMap}`, s.generation, prev, s.now)
        : condition(
            'Ready',
            'False',
            'NotAccepted',
            s.served !== undefined
              ? `generation ${s.generation} was refused; sidecars keep enforcing generation ${s.served}`
              : `generation ${s.generation} was refused; no sidecar enforces this policy`,
            s.generation,
            prev,
            s.now,
          ),
  ];
  return {
    observedGeneration: s.generation,
    matchedPods: s.matchedPods,
    conditions,
    ...(s.configMapGeneration !== undefined ? { configMapGeneration: s.configMapGeneration } : {}),
    ...(s.kill ? { kill: s.kill } : {}),
  };
}

/** Equal apart from lastTransitionTime bookkeeping: no write needed. */
export function sameStatus(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}
