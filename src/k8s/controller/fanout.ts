// Tells every matching pod's sidecar at once, through the API server's
// pods/proxy subresource, so a kill does not wait for the ConfigMap watch.
// A policy-scoped kill (policy + generation) is revived only by the policy.
import type { KubeApi } from '../kube.ts';
import { podProxyPath } from '../kube.ts';

export interface PodRef {
  namespace: string;
  name: string;
}

export interface FanoutResult {
  pod: string;
  ok: boolean;
  status?: number;
  error?: string;
}

/** POSTs /kill to every pod in parallel; each call is bounded so one hung pod cannot hold the others. */
export async function killPods(
  api: KubeApi,
  pods: PodRef[],
  adminPort: number,
  body: { reason: string; policy?: string; generation?: number },
  timeoutMs = 3000,
): Promise<FanoutResult[]> {
  return Promise.all(
    pods.map(async (p): Promise<FanoutResult> => {
      const pod = `${p.namespace}/${p.name}`;
      try {
        const r = await api.raw('POST', podProxyPath(p.namespace, p.name, adminPort, 'kill'), { body, signal: AbortSignal.timeout(timeoutMs) });
        return { pod, ok: r.status >= 200 && r.status < 300, status: r.status, ...(r.status >= 300 ? { error: r.text.slice(0, 200) } : {}) };
      } catch (err) {
        return { pod, ok: false, error: (err as Error).message };
      }
    }),
  );
}
