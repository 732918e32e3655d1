// Assembles one `keybrake controller` replica: informers over EgressPolicies
// and Pods (all namespaces or the listed ones), leader election on a Lease, the
// reconciler (checks → ConfigMap → status), kill fan-out when a policy becomes
// killed, and the HTTP listener with the Alertmanager receiver.
import fs from 'node:fs';
import type net from 'node:net';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { PackLookup } from '../policy/validator.ts';
import { KubeError, policyPath, type Json, type KubeApi } from '../k8s/kube.ts';
import { ResilientInformer } from '../k8s/informer.ts';
import { LeaderElector } from '../k8s/controller/lease.ts';
import { Reconciler } from '../k8s/controller/reconciler.ts';
import { ControllerMetrics } from '../k8s/controller/metrics.ts';
import { killPods } from '../k8s/controller/fanout.ts';
import { handleAlertKill } from '../k8s/controller/alert-kill.ts';
import { createControllerServer } from '../k8s/controller/http.ts';
import { listen } from '../admin/server.ts';
import { selectorMatches } from '../k8s/labels.ts';
import { createMutateHandler, injectConfig, readTlsDir, startWebhookServer } from '../k8s/inject/index.ts';

export interface ControllerOptions {
  api: KubeApi;
  /** Watch only these namespaces; empty or undefined: all. */
  namespaces?: string[];
  listen: { host: string; port: number };
  lease: { namespace: string; name: string; identity: string; durationSeconds: number; retryMs?: number };
  /** The sidecars' admin port, addressed through pods/proxy. */
  adminPort: number;
  alertmanagerTokenFile?: string;
  packs: PackLookup;
  vendors: readonly string[];
  log: { info(o: object, m: string): void; warn(o: object, m: string): void; error(o: object, m: string): void };
  /** First retry delay after a watch error (default 250 ms). */
  minBackoffMs?: number;
  /** Serve the injection webhook (/mutate over TLS) from this replica. */
  webhook?: { listen: { host: string; port: number }; tlsDir: string; image: string };
}

export interface RunningController {
  address: net.AddressInfo;
  webhookAddress?: net.AddressInfo;
  isLeader(): boolean;
  /** Resolves when no namespace is waiting to be reconciled. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export async function startController(o: ControllerOptions): Promise<RunningController> {
  const { api, log } = o;
  const metrics = new ControllerMetrics();
  const scopes = o.namespaces?.length ? o.namespaces : [undefined];
  const synced = new Set<string>();
  const byKind = { policies: [] as ResilientInformer[], pods: [] as ResilientInformer[] };
  const informers: ResilientInformer[] = [];
  const policies = () => byKind.policies.flatMap((i) => i.list());
  const pods = () => byKind.pods.flatMap((i) => i.list());

  const elector = new LeaderElector(api, {
    ...o.lease,
    log,
    onChange: (leader) => {
      metrics.leader.set(leader ? 1 : 0);
      if (leader) reconciler.markAll();
    },
  });
  const reconciler = new Reconciler({
    api,
    checks: { packs: o.packs, vendors: o.vendors, secretExists: (ns, name) => secretExists(api, ns, name, log) },
    isLeader: () => elector.isLeader(),
    policies,
    pods,
    metrics,
    log,
  });

  // spec.killed false → true (kubectl, GitOps): tell the pods at once instead of waiting for the ConfigMap watch.
  const killedSeen = new Map<string, boolean>();
  const fannedOut = new Set<string>();
  const onPolicy = (type: string, obj: KubernetesObject) => {
    const doc = obj as Json;
    const key = `${doc.metadata.namespace}/${doc.metadata.name}`;
    const killed = type !== 'delete' && doc.spec?.killed === true;
    const was = killedSeen.get(key);
    killedSeen.set(key, killed);
    if (type === 'delete') killedSeen.delete(key);
    const once = `${key}@${doc.metadata.generation}`;
    if (killed && was === false && elector.isLeader() && !fannedOut.has(once)) {
      fannedOut.add(once);
      void killPods(api, reconciler.matchingPods(doc as never), o.adminPort, {
        reason: String(doc.spec.killReason ?? `policy ${doc.metadata.name} killed`),
        policy: doc.metadata.name,
        generation: doc.metadata.generation,
      }).then((rs) => {
        for (const r of rs) metrics.kills.inc({ result: r.ok ? 'ok' : 'failed' });
      });
    }
    reconciler.markDirty(doc.metadata.namespace);
  };

  for (const ns of scopes) {
    for (const [kind, path] of [
      ['policies', policyPath(ns)],
      ['pods', ns ? `/api/v1/namespaces/${ns}/pods` : '/api/v1/pods'],
    ] as const) {
      const id = `${kind}:${ns ?? '*'}`;
      const informer: ResilientInformer = new ResilientInformer(api, path, {
        log,
        minBackoffMs: o.minBackoffMs,
        onSynced: () => {
          synced.add(id);
          if (kind === 'policies') reconciler.markAll();
        },
        onError: () => metrics.watchErrors.inc({ resource: kind }),
        onChange: kind === 'policies' ? onPolicy : (_t, pod) => reconciler.markDirty(pod.metadata?.namespace),
      });
      byKind[kind].push(informer);
      informers.push(informer);
    }
  }

  const server = createControllerServer({
    ready: () => {
      const waiting = informers.length - synced.size;
      return waiting > 0 ? { ready: false, reason: `${waiting} informer(s) have not listed yet` } : { ready: true };
    },
    metrics: async () => ({ contentType: metrics.registry.contentType, body: await metrics.registry.metrics() }),
    alertmanager: async (authorization, body) => {
      if (!elector.isLeader()) {
        metrics.alerts.inc({ status: '503' });
        return { status: 503, body: { error: 'this replica does not hold the keybrake-controller Lease; Alertmanager retries and reaches the leader' } };
      }
      const r = await handleAlertKill(
        {
          api,
          policies,
          matchingPods: (doc) => reconciler.matchingPods(doc as never),
          adminPort: o.adminPort,
          expectedToken: () => readToken(o.alertmanagerTokenFile),
          log,
          onKilled: (rs) => rs.forEach((r) => metrics.kills.inc({ result: r.ok ? 'ok' : 'failed' })),
        },
        authorization,
        body,
      );
      metrics.alerts.inc({ status: String(r.status) });
      return r;
    },
  });
  const address = await listen(server, o.listen.host, o.listen.port);
  // Every replica serves the webhook (it only reads the caches); the Service spreads admissions.
  const webhook = o.webhook
    ? await startWebhookServer({
        ...readTlsDir(o.webhook.tlsDir),
        ...o.webhook.listen,
        handler: createMutateHandler(injectConfig({ image: o.webhook.image, secretsFor: (ns, labels) => secretsFor(policies(), ns, labels) })),
      })
    : undefined;
  for (const i of informers) void i.start();
  elector.start();
  log.info(
    { listen: address, webhook: webhook?.address, namespaces: o.namespaces?.length ? o.namespaces : 'all', identity: o.lease.identity },
    'keybrake controller started',
  );

  return {
    address,
    webhookAddress: webhook?.address,
    isLeader: () => elector.isLeader(),
    idle: () => reconciler.idle(),
    async close() {
      reconciler.stop();
      for (const i of informers) i.stop();
      await elector.stop();
      await webhook?.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/**
 * undefined when the controller may not read Secrets (the chart grants none): the check is then
 * skipped and a missing Secret shows as the agent pod's FailedMount instead.
 */
async function secretExists(api: KubeApi, ns: string, name: string, log: ControllerOptions['log']): Promise<boolean | undefined> {
  try {
    return !!(await api.find(`/api/v1/namespaces/${ns}/secrets/${name}`));
  } catch (err) {
    if (err instanceof KubeError && err.status === 403) {
      if (!secretCheckSkipped) log.info({ namespace: ns }, 'no RBAC to read Secrets: not checking that referenced Secrets exist');
      secretCheckSkipped = true;
      return undefined;
    }
    throw err;
  }
}
let secretCheckSkipped = false;

/** The vendor Secrets named by the policies that select a pod (refused ones too: their last good version is still served). */
function secretsFor(policies: readonly KubernetesObject[], ns: string, labels: Record<string, string>): string[] {
  const names = new Set<string>();
  for (const p of policies as Json[]) {
    if (p.metadata?.namespace !== ns || !Object.keys(p.spec?.selector?.matchLabels ?? {}).length) continue;
    if (!selectorMatches(p.spec.selector, labels)) continue;
    for (const v of p.spec.vendors ?? []) if (typeof v?.credential?.secretRef?.name === 'string') names.add(v.credential.secretRef.name);
  }
  return [...names].sort();
}

/** Read on every call, so a rotated Secret takes effect without a restart. */
function readToken(file: string | undefined): string | undefined {
  if (!file) return undefined;
  try {
    return fs.readFileSync(file, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}
