// One answer for a choice of use cases and/or existing permissions: the
// minimal permission table, granularity warnings, the score with its reasons,
// the pairs, the dashboard pre-fill link and the matching EgressPolicy. The
// CLI prints it and the page renders it, so both always agree.
import type { EgressPolicy } from '../policy/schema.ts';
import { isVerified, type Grade } from './evidence.ts';
import { endpoint, type Endpoint } from './endpoints.ts';
import { GRANULARITY, type Granularity } from './granularity.ts';
import { grantFromSlugs, grantSlugs, holds, raise } from './grant.ts';
import { PERMISSIONS, slugOf, type Level } from './permissions.ts';
import { buildPolicy, policyName, policyYaml } from './policy.ts';
import { scoreGrant, type Reason, type Tier } from './score.ts';
import { operationsOf, useCase, USE_CASES, type UseCase } from './use-cases.ts';

export interface PermissionLine {
  row: string;
  label: string;
  group: string;
  level: Level;
  slug: string;
  evidence: readonly Grade[];
  /** False when no source states the slug (inferred only): shown as unverified. */
  verified: boolean;
  /** Which use cases need it; empty when it came from --permissions. */
  neededBy: string[];
  note?: string;
}

export interface PairWarning {
  id: string;
  title: string;
  rows: readonly string[];
  how: string;
  split: string;
  evidence: readonly Grade[];
  unverified?: string;
  viaApiKeys: boolean;
}

export interface ScopeReport {
  useCases: Array<{ id: string; title: string }>;
  permissions: PermissionLine[];
  /** How many catalog rows stay at None. */
  noneCount: number;
  granularity: Granularity[];
  score: number;
  tier: Tier;
  reasons: Reason[];
  pairs: PairWarning[];
  amplifiers: Array<{ id: string; text: string; evidence: readonly Grade[] }>;
  prefillUrl: string;
  prefillNote: string;
  notes: Array<{ useCase: string; text: string; evidence: readonly Grade[] }>;
  operations: Endpoint[];
  /** Absent when no use case was chosen: there are no operations to allow. */
  policy?: EgressPolicy;
  policyYaml?: string;
}

export const PREFILL_NOTE =
  'The pre-fill link form (permissions[]=rak_…) is used by many projects but unverified against the live dashboard: check the ticked rows before creating the key.';

export type ScopeInput = { useCases: readonly string[]; permissions: readonly string[] };

/** Unknown use cases or permissions give errors that name the valid choices. */
export function scopeReport(input: ScopeInput): { ok: true; report: ScopeReport } | { ok: false; errors: string[] } {
  const errors: string[] = [];
  const chosen: UseCase[] = [];
  for (const id of input.useCases) {
    const u = useCase(id);
    if (!u) errors.push(`unknown use case ${JSON.stringify(id)}; valid: ${USE_CASES.map((x) => x.id).join(', ')}`);
    else if (!chosen.includes(u)) chosen.push(u);
  }
  // Catalog order, whatever order the flags or ticks came in: one choice, one policy.
  chosen.sort((a, b) => USE_CASES.indexOf(a) - USE_CASES.indexOf(b));
  const given = grantFromSlugs(input.permissions);
  if (!given.ok) errors.push(...given.errors);
  if (errors.length || !given.ok) return { ok: false, errors };
  if (chosen.length === 0 && given.grant.size === 0)
    return { ok: false, errors: ['choose at least one use case (--use-case, see --list) or give --permissions rak_a,rak_b'] };

  const grant = new Map(given.grant);
  const neededBy = new Map<string, string[]>();
  for (const u of chosen) {
    for (const p of u.permissions) {
      raise(grant, p.row, p.level);
      neededBy.set(p.row, [...(neededBy.get(p.row) ?? []), u.id]);
    }
  }
  // Catalog order, so the table reads like the dashboard.
  const permissions: PermissionLine[] = PERMISSIONS.filter((p) => grant.has(p.id)).map((p) => {
    const level = grant.get(p.id)!;
    const evidence = p[level] ?? [];
    return {
      row: p.id,
      label: p.label,
      group: p.group,
      level,
      slug: slugOf(p.id, level),
      evidence,
      verified: isVerified(evidence),
      neededBy: neededBy.get(p.id) ?? [],
      ...(p.note ? { note: p.note } : {}),
    };
  });
  const scored = scoreGrant(grant);
  const name = chosen.length ? policyName(chosen) : 'agent-key';
  const query = [`name=${encodeURIComponent(`keybrake ${name}`)}`, ...grantSlugs(grant).map((s) => `permissions[]=${s}`)].join('&');
  const policy = chosen.length ? buildPolicy(chosen) : undefined;
  const allows = [...new Set(chosen.flatMap(operationsOf))];

  const report: ScopeReport = {
    useCases: chosen.map((u) => ({ id: u.id, title: u.title })),
    permissions,
    noneCount: PERMISSIONS.length - permissions.length,
    granularity: GRANULARITY.filter((g) => holds(grant, g.row, g.level)),
    score: scored.score,
    tier: scored.tier,
    reasons: scored.reasons,
    pairs: scored.pairs.map(({ pair, rows, viaApiKeys }) => ({
      id: pair.id,
      title: pair.title,
      rows,
      how: pair.how,
      split: pair.split,
      evidence: pair.evidence,
      viaApiKeys,
      ...(pair.unverified ? { unverified: pair.unverified } : {}),
    })),
    amplifiers: scored.amplifiers,
    prefillUrl: `https://dashboard.stripe.com/apikeys/create?${query}`,
    prefillNote: PREFILL_NOTE,
    notes: chosen.flatMap((u) => u.notes.map((n) => ({ useCase: u.id, ...n }))),
    operations: allows.map(endpoint),
    ...(policy ? { policy, policyYaml: policyYaml(policy) } : {}),
  };
  return { ok: true, report };
}
