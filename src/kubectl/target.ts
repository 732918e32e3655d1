// Resolving what a plugin command names: `policy/NAME`, `deployment/NAME`,
// `pod/NAME` → the EgressPolicy or the pods whose sidecars get the call.
import { KubeError, type Json, type KubeApi } from '../k8s/kube.ts';

export type Target = { kind: 'policy' | 'deployment' | 'pod'; name: string };

const KINDS: Record<string, Target['kind']> = {
  policy: 'policy',
  policies: 'policy',
  egresspolicy: 'policy',
  egresspolicies: 'policy',
  egp: 'policy',
  deployment: 'deployment',
  deployments: 'deployment',
  deploy: 'deployment',
  pod: 'pod',
  pods: 'pod',
  po: 'pod',
};

export function parseTarget(arg: string | undefined, allowed: Target['kind'][]): Target {
  const [, kindName, name] = /^([a-z.]+)\/([a-z0-9.-]+)$/.exec(arg ?? '') ?? [];
  const kind = kindName === undefined ? undefined : KINDS[kindName.replace(/\.keybrake\.dev$/, '').replace(/\.apps$/, '')];
  if (name === undefined || !kind || !allowed.includes(kind)) {
    throw new UsageError(`expected ${allowed.map((k) => `${k}/NAME`).join(', ')}; got ${JSON.stringify(arg ?? '')}`);
  }
  return { kind, name };
}

export class UsageError extends Error {}

/** Names of the running pods a deployment's selector picks, or the one pod. */
export async function podsOf(api: KubeApi, ns: string, t: Target): Promise<string[]> {
  if (t.kind === 'pod') {
    await api.get(`/api/v1/namespaces/${ns}/pods/${t.name}`); // a 404 names the pod
    return [t.name];
  }
  let dep: Json;
  try {
    dep = await api.get(`/apis/apps/v1/namespaces/${ns}/deployments/${t.name}`);
  } catch (err) {
    if (err instanceof KubeError && err.status === 404) throw new Error(`deployment ${ns}/${t.name} not found (is -n right?)`, { cause: err });
    throw err;
  }
  const labels: Record<string, string> = dep.spec?.selector?.matchLabels ?? {};
  if (Object.keys(labels).length === 0) throw new Error(`deployment ${ns}/${t.name} has no spec.selector.matchLabels; name its pods with pod/NAME instead`);
  const selector = Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const list = await api.get(`/api/v1/namespaces/${ns}/pods?labelSelector=${encodeURIComponent(selector)}`);
  return (list.items as Json[]).filter((p) => !['Succeeded', 'Failed'].includes(p.status?.phase)).map((p) => p.metadata.name as string);
}
