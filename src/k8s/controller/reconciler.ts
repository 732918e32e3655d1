// The controller's core loop. Informers keep EgressPolicies and Pods cached;
// any change marks its namespace dirty; one worker reconciles dirty namespaces
// one at a time: check every policy, write the namespace's ConfigMap, then each
// policy's status. Only the Lease holder writes; a replica that becomes leader
// reconciles every namespace. Failed writes are retried with backoff.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { EgressPolicy } from '../../policy/schema.ts';
import { configMapPath, KubeError, policyPath, POLICIES_CONFIGMAP, type Json, type KubeApi } from '../kube.ts';
import { selectorMatches } from '../labels.ts';
import { checkPolicy, type CheckContext } from './checks.ts';
import { configMapObject, nextData, servedGeneration } from './configmap.ts';
import { buildStatus, sameStatus, type KillRecord } from './status.ts';
import type { ControllerMetrics } from './metrics.ts';

export const KILLED_BY_ANNOTATION = 'keybrake.dev/killed-by';
const LEADER_RECHECK_MS = 250;

export interface ReconcilerOptions {
  api: KubeApi;
  checks: CheckContext;
  isLeader(): boolean;
  policies(): readonly KubernetesObject[];
  pods(): readonly KubernetesObject[];
  metrics: ControllerMetrics;
  log: { info(o: object, m: string): void; warn(o: object, m: string): void; error(o: object, m: string): void };
}

type PolicyObject = EgressPolicy & { metadata: EgressPolicy['metadata'] & { resourceVersion?: string }; status?: Json };

export class Reconciler {
  readonly #o: ReconcilerOptions;
  readonly #dirty = new Set<string>();
  #running = false;
  #failures = 0;
  #retry?: NodeJS.Timeout;
  #stopped = false;
  /** Resolved whenever the queue drains (tests and benchmarks wait on it through idle()). */
  #idleWaiters: Array<() => void> = [];

  constructor(o: ReconcilerOptions) {
    this.#o = o;
  }

  /** Pods the policy's selector matches (running, with an address). */
  matchingPods(doc: {
    metadata: { namespace?: string };
    spec?: { selector?: { matchLabels?: Record<string, string> } };
  }): Array<{ namespace: string; name: string }> {
    const labels = doc.spec?.selector?.matchLabels;
    if (!labels || Object.keys(labels).length === 0) return [];
    return this.#o
      .pods()
      .filter((p: Json) => p.metadata?.namespace === doc.metadata.namespace && selectorMatches(doc.spec?.selector, p.metadata?.labels ?? {}))
      .filter((p: Json) => !['Succeeded', 'Failed'].includes(p.status?.phase) && !p.metadata?.deletionTimestamp)
      .map((p: Json) => ({ namespace: p.metadata.namespace, name: p.metadata.name }));
  }

  markDirty(namespace: string | undefined): void {
    if (!namespace || this.#stopped) return;
    this.#dirty.add(namespace);
    queueMicrotask(() => void this.#drain());
  }

  markAll(): void {
    for (const p of this.#o.policies()) this.#dirty.add(p.metadata?.namespace ?? '');
    this.#dirty.delete('');
    queueMicrotask(() => void this.#drain());
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#retry);
  }

  idle(): Promise<void> {
    if (!this.#running && this.#dirty.size === 0) return Promise.resolve();
    return new Promise((r) => this.#idleWaiters.push(r));
  }

  #later(ms: number): void {
    clearTimeout(this.#retry);
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      void this.#drain();
    }, ms);
    this.#retry.unref();
  }

  async #drain(): Promise<void> {
    if (this.#running || this.#stopped) return;
    this.#running = true;
    try {
      while (this.#dirty.size > 0 && this.#o.isLeader() && !this.#stopped) {
        const ns = this.#dirty.values().next().value as string;
        this.#dirty.delete(ns);
        try {
          await this.#reconcile(ns);
          this.#failures = 0;
        } catch (err) {
          this.#dirty.add(ns);
          this.#o.metrics.reconcileErrors.inc();
          const delay = Math.min(10_000, 200 * 2 ** this.#failures++);
          this.#o.log.warn({ namespace: ns, err: (err as Error).message, retryMs: delay }, 'reconcile failed; retrying');
          this.#later(delay);
          break;
        }
      }
    } finally {
      this.#running = false;
      if (this.#dirty.size === 0 || !this.#o.isLeader()) for (const w of this.#idleWaiters.splice(0)) w();
      // Work left because the lease looked stale for a moment (a late renewal): look again soon,
      // since a renewal that keeps us leader announces nothing.
      if (this.#dirty.size > 0 && !this.#stopped && !this.#retry) this.#later(LEADER_RECHECK_MS);
    }
  }

  async #reconcile(ns: string): Promise<void> {
    const docs = this.#o.policies().filter((p) => p.metadata?.namespace === ns) as unknown as PolicyObject[];
    const verdicts = await Promise.all(docs.map(async (doc) => ({ doc, problems: await checkPolicy(doc, this.#o.checks) })));
    const cmPath = configMapPath(ns, POLICIES_CONFIGMAP);
    const current = await this.#o.api.find(cmPath);
    let data: Record<string, string> = current?.data ?? {};
    const next = nextData(
      current?.data,
      verdicts.map((v) => ({ doc: v.doc, accepted: v.problems.length === 0 })),
    );
    if (next && (current || docs.length > 0)) {
      this.#assertLeader();
      if (current) await this.#o.api.json('PUT', cmPath, { body: configMapObject(ns, next, current.metadata.resourceVersion) });
      else await this.#o.api.json('POST', configMapPath(ns), { body: configMapObject(ns, next) });
      data = next;
      this.#o.log.info(
        { namespace: ns, generation: next.generation, policies: Object.keys(next).filter((k) => k.endsWith('.yaml')).length },
        'ConfigMap written',
      );
    }
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    for (const { doc, problems } of verdicts) {
      const status = buildStatus({
        generation: doc.metadata.generation ?? 1,
        problems,
        served: servedGeneration(data[`${doc.metadata.name}.yaml`]),
        configMapGeneration: data.generation ? Number(data.generation) : undefined,
        configMap: `${ns}/${POLICIES_CONFIGMAP}`,
        matchedPods: this.matchingPods(doc).length,
        kill: this.#killRecord(doc, now),
        // The schema types condition.type as any string; the reconciler only reads Accepted and Ready.
        previous: doc.status as never,
        now,
      });
      if (sameStatus(status, doc.status)) continue;
      this.#assertLeader();
      try {
        await this.#o.api.mergePatch(`${policyPath(ns, doc.metadata.name)}/status`, { status: { ...status, kill: status.kill ?? null } });
      } catch (err) {
        if (err instanceof KubeError && err.status === 404) continue; // deleted meanwhile
        throw err;
      }
      if (problems.length) this.#o.log.warn({ policy: `${ns}/${doc.metadata.name}`, generation: doc.metadata.generation, problems }, 'policy refused');
    }
    this.#o.metrics.setPolicies(this.#o.policies() as unknown as PolicyObject[]);
  }

  /** Kept while the policy stays killed; the first sight of spec.killed records who and why. */
  #killRecord(doc: PolicyObject, now: string): KillRecord | undefined {
    if (doc.spec?.killed !== true) return undefined;
    const old = doc.status?.kill as KillRecord | undefined;
    if (old) return old;
    return {
      by: doc.metadata.annotations?.[KILLED_BY_ANNOTATION] ?? 'spec.killed',
      at: now,
      reason: String((doc.spec as Json).killReason ?? 'spec.killed is true'),
    };
  }

  #assertLeader(): void {
    if (!this.#o.isLeader()) throw new Error('lost the lease; not writing');
  }
}
