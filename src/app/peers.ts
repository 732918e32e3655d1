// What one `keybrake proxy --workers N` worker tells the others, over the
// cluster's IPC channel through the primary: kill-switch changes. Every worker
// cuts its own connections on receipt and acknowledges; the sender's /kill
// answers only once every worker has cut (or a deadline passed), so after a
// 200 from /kill no worker of the pod is still forwarding.
import cluster from 'node:cluster';
import type { KillSource } from '../kill/kill-switch.ts';

export type PeerMessage =
  { type: 'kill'; reason: string; source: KillSource } | { type: 'kill-ahead'; policy: string; generation: number; reason: string } | { type: 'revive' };

/** Wire format between a worker and the primary. */
export type Envelope = { kb: 'peer'; id: string; msg: PeerMessage } | { kb: 'ack'; id: string } | { kb: 'ready' };

export interface Peers {
  readonly workerId: number;
  /** Tells every other worker; resolves once all of them acknowledged, or after `timeoutMs`. */
  broadcast(msg: PeerMessage, timeoutMs?: number): Promise<{ acknowledged: boolean }>;
  /** Handles what the other workers broadcast (applied locally, never re-broadcast). */
  onMessage(handler: (msg: PeerMessage) => void): void;
  /** Tells the primary this worker serves. */
  ready(): void;
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
  process.on('message', (m: unknown) => {
    if (!isEnvelope(m)) return;
    if (m.kb === 'ack') pending.get(m.id)?.();
    if (m.kb === 'peer') {
      handler?.(m.msg);
      send({ kb: 'ack', id: m.id });
    }
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
  };
}
