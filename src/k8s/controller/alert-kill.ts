// The controller's Alertmanager receiver: the sidecar's payload, bearer-token
// and selector rules (src/admin/alertmanager.ts), applied to every policy the
// controller knows. A selected policy gets spec.killed + killReason, its status
// records who, when and why, and every matching pod is told at once through
// pods/proxy. Resolved alerts are ignored: an alert going away never revives.
import type { KubernetesObject } from '@kubernetes/client-node';
import { authorized, killReason, parseWebhook, selects, type WebhookAlert } from '../../admin/alertmanager.ts';
import { policyPath, type Json, type KubeApi } from '../kube.ts';
import { killPods, type FanoutResult, type PodRef } from './fanout.ts';

export interface AlertKillContext {
  api: KubeApi;
  policies(): readonly KubernetesObject[];
  matchingPods(doc: Json): PodRef[];
  adminPort: number;
  expectedToken(): string | undefined;
  log: { warn(o: object, m: string): void };
  onKilled?(results: FanoutResult[]): void;
}

export interface AlertAnswer {
  status: number;
  body: Record<string, unknown>;
}

function selectedBy(alert: WebhookAlert, doc: Json, pods: PodRef[]): boolean {
  const self = { policies: [doc.metadata.name as string], namespace: doc.metadata.namespace as string };
  const candidates = pods.length ? pods.map((p) => ({ ...self, pod: p.name })) : [self];
  return candidates.some((c) => selects(alert.labels, c));
}

export async function handleAlertKill(ctx: AlertKillContext, authorization: string | undefined, body: Buffer): Promise<AlertAnswer> {
  if (!authorized(authorization, ctx.expectedToken())) {
    return {
      status: 401,
      body: { error: 'unauthorized: Authorization: Bearer <alertmanager-token> required (the controller reads --alertmanager-token-file)' },
    };
  }
  const alerts = parseWebhook(body);
  if (!alerts) return { status: 400, body: { error: 'malformed webhook payload: expected JSON with an "alerts" array' } };
  const firing = alerts.filter((a) => a.status === 'firing');
  const killed: Array<{ policy: string; reason: string; pods: FanoutResult[] }> = [];
  for (const doc of ctx.policies() as Json[]) {
    const pods = ctx.matchingPods(doc);
    const alert = firing.find((a) => selectedBy(a, doc, pods));
    if (!alert) continue;
    const reason = killReason(alert);
    const ns = doc.metadata.namespace as string;
    const name = doc.metadata.name as string;
    let generation = doc.metadata.generation as number;
    if (doc.spec?.killed !== true) {
      const patched = await ctx.api.mergePatch(policyPath(ns, name), {
        metadata: { annotations: { 'keybrake.dev/killed-by': `alertmanager: ${alert.labels.alertname ?? 'unnamed alert'}` } },
        spec: { killed: true, killReason: reason },
      });
      generation = patched.metadata.generation;
      await ctx.api.mergePatch(`${policyPath(ns, name)}/status`, {
        status: { kill: { by: `alertmanager: ${alert.labels.alertname ?? 'unnamed alert'}`, at: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), reason } },
      });
    }
    const results = await killPods(ctx.api, pods, ctx.adminPort, { reason, policy: name, generation });
    for (const r of results)
      if (!r.ok) ctx.log.warn({ pod: r.pod, status: r.status, err: r.error }, 'pods/proxy kill failed; the ConfigMap update still kills it');
    ctx.onKilled?.(results);
    killed.push({ policy: `${ns}/${name}`, reason, pods: results });
  }
  return { status: 200, body: { received: alerts.length, firing: firing.length, killed } };
}
