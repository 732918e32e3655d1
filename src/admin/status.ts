// GET /status: kill state, the policy in force, per-vendor cap usage and the
// count of calls by decision since start.
import type { CompiledPolicy, CompiledVendor } from '../policy/compiled.ts';
import type { Ledger } from '../ledger/ledger.ts';
import type { Clock } from '../pipeline/context.ts';
import type { KillState } from '../kill/kill-switch.ts';
import { capStatus } from '../caps/usage.ts';
import { credentialScopeOf } from '../pipeline/agent-key.ts';

export interface StatusInput {
  policy: CompiledPolicy;
  kill: KillState;
  ledger: Ledger;
  clock: Clock;
  counts: Readonly<Record<string, number>>;
}

export async function buildStatus(s: StatusInput): Promise<unknown> {
  const vendors = [...new Set<CompiledVendor>(s.policy.byHost.values())];
  const now = s.clock.now();
  return {
    killed: s.kill.killed,
    reason: s.kill.reason,
    since: s.kill.since,
    killedBy: s.kill.source,
    policy: {
      generation: s.policy.generation,
      hash: s.policy.hash,
      names: s.policy.documents.map((d) => d.metadata.name),
      ...(s.policy.unloaded ? { notLoaded: s.policy.unloaded } : {}),
    },
    vendors: await Promise.all(
      vendors.map(async (v) => ({
        policy: v.policyName,
        vendor: v.pack.id,
        enforcement: v.enforcement,
        hosts: v.hosts,
        caps: await capStatus(v, { credential: credentialScopeOf(v) }, s.ledger, now).catch((err: Error) => ({ error: `ledger unavailable: ${err.message}` })),
      })),
    ),
    counts: s.counts,
  };
}
