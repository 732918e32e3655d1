// Leader election on a coordination.k8s.io/v1 Lease, the client-go way: the
// holder renews spec.renewTime; a candidate takes over only after it has seen
// the Lease unchanged for a whole leaseDurationSeconds on its own clock (no
// cross-node clock comparison); every write carries the resourceVersion, so
// two candidates racing for it cannot both win (409). The holder counts as
// leader only while its last successful renewal is younger than the duration
// minus a margin, so it stops writing before anyone else may start.
import { KubeError, type KubeApi, type Json } from '../kube.ts';

export interface LeaseOptions {
  namespace: string;
  name: string;
  identity: string;
  durationSeconds: number;
  /** How often to renew or retry; default a third of the duration. */
  retryMs?: number;
  log: { info(o: object, m: string): void; warn(o: object, m: string): void };
  onChange?(leader: boolean): void;
  now?: () => number;
}

export class LeaderElector {
  readonly #api: KubeApi;
  readonly #o: LeaseOptions;
  #renewedAt = -Infinity; // local time of our last successful acquire/renew
  #observed?: { rv: string; at: number };
  #timer?: NodeJS.Timeout;
  #stopped = false;
  #leader = false;

  constructor(api: KubeApi, o: LeaseOptions) {
    this.#api = api;
    this.#o = o;
  }

  get path(): string {
    return `/apis/coordination.k8s.io/v1/namespaces/${this.#o.namespace}/leases/${this.#o.name}`;
  }

  #now(): number {
    return this.#o.now?.() ?? Date.now();
  }

  /** True while our lease is certainly still ours (renewed less than 80% of the duration ago). */
  isLeader(): boolean {
    return this.#leader && this.#now() - this.#renewedAt < this.#o.durationSeconds * 800;
  }

  start(): void {
    void this.#tick();
  }

  async #tick(): Promise<void> {
    if (this.#stopped) return;
    try {
      await this.#tryAcquireOrRenew();
    } catch (err) {
      this.#o.log.warn({ err: (err as Error).message, lease: `${this.#o.namespace}/${this.#o.name}` }, 'lease renewal failed');
    }
    this.#set(this.isLeader());
    if (this.#stopped) return;
    this.#timer = setTimeout(() => void this.#tick(), this.#o.retryMs ?? (this.#o.durationSeconds * 1000) / 3);
    this.#timer.unref();
  }

  #spec(acquire: boolean, transitions: number, old?: Json): Json {
    const now = new Date(this.#now()).toISOString().replace('Z', '000Z');
    return {
      holderIdentity: this.#o.identity,
      leaseDurationSeconds: this.#o.durationSeconds,
      acquireTime: acquire ? now : (old?.acquireTime ?? now),
      renewTime: now,
      leaseTransitions: transitions,
    };
  }

  async #tryAcquireOrRenew(): Promise<void> {
    const lease = await this.#api.find(this.path);
    if (!lease) {
      await this.#api.json('POST', `/apis/coordination.k8s.io/v1/namespaces/${this.#o.namespace}/leases`, {
        body: {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name: this.#o.name, namespace: this.#o.namespace, labels: { 'app.kubernetes.io/part-of': 'keybrake' } },
          spec: this.#spec(true, 0),
        },
      });
      this.#renewedAt = this.#now();
      return;
    }
    const spec = lease.spec ?? {};
    const rv = lease.metadata.resourceVersion as string;
    if (this.#observed?.rv !== rv) this.#observed = { rv, at: this.#now() };
    const mine = spec.holderIdentity === this.#o.identity;
    const free = !spec.holderIdentity;
    const expired = this.#now() - this.#observed.at > (spec.leaseDurationSeconds ?? this.#o.durationSeconds) * 1000;
    if (!mine && !free && !expired) {
      this.#leader = false;
      return;
    }
    const transitions = (spec.leaseTransitions ?? 0) + (mine ? 0 : 1);
    try {
      await this.#api.json('PUT', this.path, { body: { ...lease, spec: this.#spec(!mine, transitions, spec) } });
      this.#renewedAt = this.#now();
      this.#leader = true;
    } catch (err) {
      if (err instanceof KubeError && err.status === 409) {
        this.#leader = false; // someone else wrote first
        return;
      }
      throw err;
    }
  }

  #set(leader: boolean): void {
    if (leader === this.#leaderReported) return;
    this.#leaderReported = leader;
    this.#o.log.info({ identity: this.#o.identity, leader }, leader ? 'became the leader' : 'not the leader');
    this.#o.onChange?.(leader);
  }

  #leaderReported = false;

  /** Stops renewing and, when holding the lease, releases it so another replica takes over at once. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    const wasLeader = this.isLeader();
    this.#leader = false;
    this.#set(false);
    if (!wasLeader) return;
    try {
      const lease = await this.#api.find(this.path);
      if (lease?.spec?.holderIdentity === this.#o.identity) {
        await this.#api.json('PUT', this.path, { body: { ...lease, spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1 } } });
      }
    } catch (err) {
      this.#o.log.warn({ err: (err as Error).message }, 'could not release the lease; the other replica takes over when it expires');
    }
  }
}
