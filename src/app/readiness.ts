// /readyz answers "can a call succeed here now?", not "is the process up?".
// Each hard dependency is one check; /status lists the failing ones by name,
// so an operator sees *which* Secret or store to fix.
import type { CompiledPolicy, CompiledVendor } from '../policy/compiled.ts';
import type { Ledger } from '../ledger/ledger.ts';
import type { SecretStore } from '../pipeline/context.ts';

export interface ReadinessProblem {
  /** `shutdown`, `ledger`, `secret` … */
  check: string;
  message: string;
}

export interface Readiness {
  ready: boolean;
  problems: ReadinessProblem[];
}

export interface ReadinessInput {
  /** Listeners up and not draining. */
  serving: 'starting' | 'serving' | 'draining';
  ledger: Ledger;
  secrets: SecretStore;
  secretsDir: string;
  policy: CompiledPolicy;
}

export function readiness(i: ReadinessInput): Readiness {
  const problems: ReadinessProblem[] = [];
  if (i.serving === 'starting') problems.push({ check: 'startup', message: 'listeners are not up yet' });
  if (i.serving === 'draining') problems.push({ check: 'shutdown', message: 'draining after a termination signal: no new connections' });
  const ledger = i.ledger.health?.();
  if (ledger && !ledger.ok) problems.push({ check: 'ledger', message: `${ledger.problem ?? 'ledger unavailable'}: every money-moving call is refused` });
  for (const v of new Set<CompiledVendor>(i.policy.byHost.values())) {
    const ref = v.entry.credential.secretRef;
    try {
      i.secrets.read(ref);
    } catch (err) {
      problems.push({
        check: 'secret',
        message: `${v.pack.id} credential of policy ${v.policyName}: ${(err as Error).message} (${i.secretsDir}/${ref.name}/${ref.key}); every ${v.pack.id} call is refused`,
      });
    }
  }
  return { ready: problems.length === 0, problems };
}
