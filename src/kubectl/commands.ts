// The kubectl keybrake commands. Policy kills go through spec.killed (RBAC on
// the CRD is the permission; the controller tells every matching sidecar);
// pod and deployment kills go to each sidecar at once through pods/proxy.
import { newAgentKey } from '../commands/keys.ts';
import { podProxyPath, policyPath, type Json, type KubeApi } from '../k8s/kube.ts';
import { killPods } from '../k8s/controller/fanout.ts';
import { KILLED_BY_ANNOTATION } from '../k8s/controller/reconciler.ts';
import { parseTarget, podsOf, UsageError } from './target.ts';

export interface PluginContext {
  api: KubeApi;
  namespace: string;
  user: string;
  adminPort: number;
  out: (s: string) => void;
}

export async function kill(ctx: PluginContext, targetArg: string | undefined, reason: string | undefined): Promise<number> {
  const t = parseTarget(targetArg, ['policy', 'deployment', 'pod']);
  if (!reason?.trim()) throw new UsageError('--reason is required: it is shown to the agent and recorded in the policy status');
  if (t.kind === 'policy') {
    const p = await ctx.api.mergePatch(policyPath(ctx.namespace, t.name), {
      metadata: { annotations: { [KILLED_BY_ANNOTATION]: `kubectl keybrake: ${ctx.user}` } },
      spec: { killed: true, killReason: reason },
    });
    ctx.out(
      `egresspolicy ${ctx.namespace}/${t.name} killed (generation ${p.metadata.generation}); every sidecar running it refuses calls. Revive: kubectl keybrake revive policy/${t.name} -n ${ctx.namespace}\n`,
    );
    return 0;
  }
  const pods = await podsOf(ctx.api, ctx.namespace, t);
  if (pods.length === 0) throw new Error(`${t.kind} ${ctx.namespace}/${t.name} has no running pods`);
  const results = await killPods(
    ctx.api,
    pods.map((name) => ({ namespace: ctx.namespace, name })),
    ctx.adminPort,
    { reason: `${reason} (kubectl keybrake: ${ctx.user})` },
  );
  for (const r of results) ctx.out(`pod/${r.pod.split('/')[1]}\t${r.ok ? 'killed' : `FAILED: ${r.error ?? r.status}`}\n`);
  return results.every((r) => r.ok) ? 0 : 1;
}

export async function revive(ctx: PluginContext, targetArg: string | undefined): Promise<number> {
  const t = parseTarget(targetArg, ['policy']);
  const p = await ctx.api.mergePatch(policyPath(ctx.namespace, t.name), {
    metadata: { annotations: { [KILLED_BY_ANNOTATION]: null } },
    spec: { killed: false, killReason: null },
  });
  ctx.out(`egresspolicy ${ctx.namespace}/${t.name} revived (generation ${p.metadata.generation})\n`);
  return 0;
}

function isSidecarPod(p: Json): boolean {
  const containers = [...(p.spec?.initContainers ?? []), ...(p.spec?.containers ?? [])] as Json[];
  return p.metadata?.annotations?.['keybrake.dev/status'] === 'injected' || containers.some((c) => c.name === 'keybrake-proxy');
}

function capsSummary(status: Json): string {
  const parts: string[] = [];
  for (const v of (status.vendors ?? []) as Json[]) {
    if (!Array.isArray(v.caps)) continue;
    for (const c of v.caps as Json[]) parts.push(`${v.vendor} ${c.name}: ${c.summary}`);
  }
  return parts.join('; ') || '-';
}

export async function status(ctx: PluginContext): Promise<number> {
  const list = await ctx.api.get(`/api/v1/namespaces/${ctx.namespace}/pods`);
  const pods = (list.items as Json[]).filter(isSidecarPod);
  if (pods.length === 0) {
    ctx.out(`no keybrake sidecars in namespace ${ctx.namespace}\n`);
    return 0;
  }
  const rows = await Promise.all(
    pods.map(async (p) => {
      const name = p.metadata.name as string;
      try {
        const r = await ctx.api.raw('GET', podProxyPath(ctx.namespace, name, ctx.adminPort, 'status'), { signal: AbortSignal.timeout(5000) });
        if (r.status !== 200) return [name, '?', '?', '?', `status answered ${r.status}`];
        const s = JSON.parse(r.text) as Json;
        const killed = s.killed ? `yes (${s.reason ?? 'no reason'})` : 'no';
        return [name, killed, (s.policy?.names ?? []).join(',') || '-', String(s.policy?.generation ?? '-'), capsSummary(s)];
      } catch (err) {
        return [name, '?', '?', '?', `unreachable: ${(err as Error).message}`];
      }
    }),
  );
  const header = ['POD', 'KILLED', 'POLICIES', 'GENERATION', 'CAPS'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  for (const r of [header, ...rows]) ctx.out(`${r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('   ')}\n`);
  return 0;
}

export function keysNew(ctx: PluginContext, id: string | undefined, policy: string | undefined, vendorIndex: string | undefined): number {
  if (!id || !/^[A-Za-z0-9._-]{1,63}$/.test(id)) throw new UsageError('--id NAME is required (letters, digits, . _ -)');
  const index = vendorIndex ?? '0';
  if (!/^\d+$/.test(index)) throw new UsageError(`--vendor-index must be a number (the position in spec.vendors), got ${JSON.stringify(index)}`);
  const { key, sha256 } = newAgentKey();
  const patch = JSON.stringify([{ op: 'add', path: `/spec/vendors/${index}/agentKeys/-`, value: { id, sha256 } }]);
  ctx.out(
    `agent key (give it to the agent; it is shown only once):\n  ${key}\n\n` +
      `add its hash to the policy:\n  kubectl patch egresspolicy ${policy ?? 'POLICY'} -n ${ctx.namespace} --type json -p '${patch}'\n`,
  );
  return 0;
}

export type { Json };
