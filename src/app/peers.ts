// What one `keybrake proxy --workers N` worker tells the others, over the
// cluster's IPC channel through the primary: kill-switch changes. Every worker
// cuts its own connections on receipt and acknowledges; the sender's /kill
// answers only once every worker has cut (or a deadline passed), so after a
// 200 from /kill no worker of the pod is still forwarding.
// And what the primary tells the workers: the policy (the primary alone reads
// the file or the ConfigMap and numbers generations; every worker compiles the
// same documents under the same generation), and the metrics of all workers
// summed for a /metrics scrape that reached any one of them.
import cluster from 'node:cluster';
import type { KillSource } from '../kill/kill-switch.ts';
import type { CompiledPolicy } from '../policy/compiled.ts';
import type { EgressPolicy } from '../policy/schema.ts';
import type { PolicySource } from '../policy/source.ts';

export type PeerMessage =
  { type: 'kill'; reason: string; source: KillSource } | { type: 'kill-ahead'; policy: string; generation: number; reason: string } | { type: 'revive' };

/** A policy as the primary sends it: the validated documents and the primary's generation, or why none is in force. */
export type PolicyWire = { seq: number; generation: number; documents: EgressPolicy[] } | { seq: number; unloaded: string };

/** Wire format between a worker and the primary. */
export type Envelope =
  | { kb: 'peer'; id: string; msg: PeerMessage }
  | { kb: 'ack'; id: string }
  | { kb: 'ready' }
  /** worker → primary: send me the policy in force (then every change). */
  | { kb: 'policy?' }
  | { kb: 'policy'; policy: PolicyWire }
  /** worker → primary: every worker's metrics, aggregated. */
  | { kb: 'metrics?'; id: string }
  | { kb: 'metrics'; id: string; text?: string; error?: string }
  /** worker → primary → every worker → primary → the asking worker: each worker's report, for /status. */
  | { kb: 'gather?'; id: string }
  | { kb: 'report?'; id: string }
  | { kb: 'report'; id: string; report: WorkerReport }
  | { kb: 'gathered'; id: string; reports: WorkerReport[] };

/** What one worker says about itself in /status: its policy, its kill bit, the calls it served. */
export interface WorkerReport {
  worker: number;
  generation: number;
  hash: string;
  killed: boolean;
  counts: Record<string, number>;
}

/** The policy the primary sent, compiled here. Throws when the documents do not compile (they did in the primary). */
export type PolicyCompiler = (wire: PolicyWire) => CompiledPolicy;

export interface Peers {
  readonly workerId: number;
  /** Tells every other worker; resolves once all of them acknowledged, or after `timeoutMs`. */
  broadcast(msg: PeerMessage, timeoutMs?: number): Promise<{ acknowledged: boolean }>;
  /** Handles what the other workers broadcast (applied locally, never re-broadcast). */
  onMessage(handler: (msg: PeerMessage) => void): void;
  /** Tells the primary this worker serves. */
  ready(): void;
  /** The policy as the primary loads it: the same documents and generation on every worker. */
  policySource(compile: PolicyCompiler): PolicySource;
  /** The Prometheus text of every worker's metrics, aggregated by the primary. */
  clusterMetrics(timeoutMs?: number): Promise<string>;
  /** How this worker answers the primary's request for a report. */
  onReport(report: () => WorkerReport): void;
  /** Every worker's report (this one's included), by worker number; those that did not answer in time are missing. */
  gather(timeoutMs?: number): Promise<WorkerReport[]>;
}

const isEnvelope = (m: unknown): m is Envelope => typeof m === 'object' && m !== null && 'kb' in m;

/** The peer channel of a cluster worker; undefined in a single-process proxy. */
export function clusterPeers(): Peers | undefined {
  if (!cluster.isWorker || !process.send) return undefined;
  const send = (e: Envelope) => process.send!(e);
  const pending = new Map<string, () => void>();
  let handler: ((msg: PeerMessage) => void) | undefined;
  let seq = 0;
  const workerId = Number(process.env.KEYBRAKE_WORKER_SLOT ?? cluster.worker?.id ?? 0);
  const metricsWaiting = new Map<string, (m: { text?: string; error?: string }) => void>();
  let onPolicy: ((wire: PolicyWire) => void) | undefined;
  let report: (() => WorkerReport) | undefined;
  const gatherWaiting = new Map<string, (reports: WorkerReport[]) => void>();
  process.on('message', (m: unknown) => {
    if (!isEnvelope(m)) return;
    if (m.kb === 'ack') pending.get(m.id)?.();
    if (m.kb === 'peer') {
      handler?.(m.msg);
      send({ kb: 'ack', id: m.id });
    }
    if (m.kb === 'policy') onPolicy?.(m.policy);
    if (m.kb === 'metrics') metricsWaiting.get(m.id)?.(m);
    if (m.kb === 'report?' && report) send({ kb: 'report', id: m.id, report: report() });
    if (m.kb === 'gathered') gatherWaiting.get(m.id)?.(m.reports);
  });
  return {
    workerId,
    broadcast(msg, timeoutMs = 2_000) {
      const id = `${workerId}:${++seq}`;
      return new Promise((resolve) => {
        const timer = setTimeout(() => (pending.delete(id), resolve({ acknowledged: false })), timeoutMs);
        pending.set(id, () => (clearTimeout(timer), pending.delete(id), resolve({ acknowledged: true })));
        send({ kb: 'peer', id, msg });
      });
    },
    onMessage: (h) => void (handler = h),
    ready: () => send({ kb: 'ready' }),
    policySource: (compile) => relayedPolicySource(compile, send, (h) => (onPolicy = h)),
    clusterMetrics(timeoutMs = 5_000) {
      const id = `${workerId}:${++seq}`;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => (metricsWaiting.delete(id), reject(new Error('the other workers did not send their metrics in time'))), timeoutMs);
        metricsWaiting.set(id, (m) => {
          clearTimeout(timer);
          metricsWaiting.delete(id);
          if (m.text !== undefined) resolve(m.text);
          else reject(new Error(m.error ?? 'no metrics'));
        });
        send({ kb: 'metrics?', id });
      });
    },
    onReport: (r) => void (report = r),
    gather(timeoutMs = 3_000) {
      const id = `${workerId}:${++seq}`;
      return new Promise((resolve) => {
        // The primary answers within its own deadline; this one only guards against a primary gone.
        const timer = setTimeout(() => (gatherWaiting.delete(id), resolve(report ? [report()] : [])), timeoutMs);
        gatherWaiting.set(id, (reports) => {
          clearTimeout(timer);
          gatherWaiting.delete(id);
          resolve([...reports].sort((a, b) => a.worker - b.worker));
        });
        send({ kb: 'gather?', id });
      });
    },
  };
}

/**
 * A worker's policy source: what the primary sends. The first policy answers
 * start(); later ones go to onChange in the order the primary numbered them
 * (an older one arriving late is dropped). One that this worker refuses (its
 * onChange threw, or it does not compile) leaves the last good one in force.
 */
function relayedPolicySource(compile: PolicyCompiler, send: (e: Envelope) => void, listen: (h: (wire: PolicyWire) => void) => void): PolicySource {
  let applied = -1;
  return {
    start(onChange, onError) {
      return new Promise((resolve, reject) => {
        listen((wire) => {
          if (wire.seq <= applied) return;
          let policy: CompiledPolicy;
          try {
            policy = compile(wire);
            if (applied >= 0) onChange(policy);
          } catch (err) {
            if (applied < 0) return reject(err as Error);
            return onError(err as Error);
          }
          if (applied < 0) resolve(policy);
          applied = wire.seq;
        });
        send({ kb: 'policy?' });
      });
    },
    stop: () => listen(() => {}),
  };
}
