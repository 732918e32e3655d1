// What the controller checks beyond the CRD's schema and CEL rules, each
// problem naming the field: the shared policy validator (operation ids, CEL
// compiles, caps…), a selector that selects something, and Secrets that exist.
import type { EgressPolicy } from '../../policy/schema.ts';
import { validatorFor, type PackLookup } from '../../policy/validator.ts';

export interface Problem {
  reason: 'InvalidSpec' | 'EmptySelector' | 'SecretNotFound';
  path: string;
  message: string;
}

export interface CheckContext {
  packs: PackLookup;
  vendors: readonly string[];
  /** Does Secret `name` in the policy's namespace exist? undefined: not allowed to look. */
  secretExists(namespace: string, name: string): Promise<boolean | undefined>;
}

export async function checkPolicy(doc: EgressPolicy, ctx: CheckContext): Promise<Problem[]> {
  const problems: Problem[] = validatorFor(ctx.packs, ctx.vendors)
    .check([{ document: 'policy', value: doc }])
    .map((p) => ({ reason: 'InvalidSpec' as const, path: p.path, message: p.message }));
  const labels = doc.spec?.selector?.matchLabels;
  if (!labels || Object.keys(labels).length === 0) {
    problems.push({
      reason: 'EmptySelector',
      path: 'spec.selector.matchLabels',
      message: 'must name at least one pod label; an empty selector would put this policy on every pod in the namespace',
    });
  }
  const ns = doc.metadata?.namespace ?? '';
  const vendors = Array.isArray(doc.spec?.vendors) ? doc.spec.vendors : [];
  for (const [i, entry] of vendors.entries()) {
    const name = entry?.credential?.secretRef?.name;
    if (typeof name !== 'string' || !name) continue; // the validator already named it
    if ((await ctx.secretExists(ns, name)) === false) {
      problems.push({ reason: 'SecretNotFound', path: `spec.vendors[${i}].credential.secretRef.name`, message: `Secret ${ns}/${name} does not exist` });
    }
  }
  return problems;
}

export function describeProblems(problems: Problem[]): string {
  const shown = problems.slice(0, 5).map((p) => (p.path ? `${p.path}: ${p.message}` : p.message));
  const more = problems.length > 5 ? `; and ${problems.length - 5} more` : '';
  return `${shown.join('; ')}${more}`.slice(0, 1800);
}
