// `keybrake proxy --workers N`: the primary process. It forks N workers (each a
// whole proxy: same flags, same state dir) one after the other — so the first
// creates the SQLite schemas before the second opens them — and the cluster
// module shares the data-plane and admin ports between them. The primary relays
// kill-switch changes (peers.ts) and forwards SIGTERM/SIGINT; a worker that dies
// after it served is started again (it reads the persisted kill state first).
// What keeps workers consistent: the kill relay; caps in one ledger every
// worker writes under a lock (SQLite WAL with IMMEDIATE transactions, or Redis);
// the policy file each worker loads and watches itself.
import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import type { Envelope } from './peers.ts';

const RESPAWN_DELAY_MS = 1_000;

export async function runWorkers(count: number, log: Logger): Promise<number> {
  const workers = new Set<Worker>();
  /** Broadcast id → the worker that sent it and the acks still awaited. */
  const relays = new Map<string, { origin: Worker; waiting: Set<Worker> }>();
  let stopping = false;

  const route = (from: Worker, m: Envelope) => {
    if (m.kb === 'peer') {
      const others = [...workers].filter((w) => w !== from && w.isConnected());
      if (others.length === 0) return void from.send({ kb: 'ack', id: m.id });
      relays.set(m.id, { origin: from, waiting: new Set(others) });
      for (const w of others) w.send(m);
    } else if (m.kb === 'ack') {
      const relay = relays.get(m.id);
      relay?.waiting.delete(from);
      if (relay && relay.waiting.size === 0) {
        relays.delete(m.id);
        if (relay.origin.isConnected()) relay.origin.send({ kb: 'ack', id: m.id });
      }
    }
  };

  const fork = (slot: number): Promise<void> =>
    new Promise((resolve, reject) => {
      const w = cluster.fork({ KEYBRAKE_WORKER_SLOT: String(slot) });
      let serving = false;
      workers.add(w);
      w.on('message', (m: Envelope) => {
        if (m?.kb === 'ready' && !serving) {
          serving = true;
          resolve();
        } else if (m?.kb === 'peer' || m?.kb === 'ack') route(w, m);
      });
      w.once('exit', (code, signal) => {
        workers.delete(w);
        // A worker gone cannot acknowledge: do not let a broadcast wait for it.
        for (const [id, relay] of relays) if (relay.waiting.delete(w) && relay.waiting.size === 0) route(relay.origin, { kb: 'ack', id });
        if (!serving) return reject(new Error(`worker ${slot} exited with ${code ?? signal} before it was ready (its error is above)`));
        if (stopping) return;
        log.error({ worker: slot, code, signal }, 'worker died; starting it again');
        setTimeout(() => void fork(slot).catch((err: Error) => log.error({ err }, 'worker did not come back')), RESPAWN_DELAY_MS);
      });
    });

  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      for (const w of workers) w.process.kill('SIGKILL');
      return;
    }
    stopping = true;
    log.info({ signal, workers: workers.size }, 'stopping workers: each drains, flushes and exits');
    for (const w of workers) w.process.kill('SIGTERM');
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);

  try {
    for (let slot = 1; slot <= count; slot++) await fork(slot);
  } catch (err) {
    stopping = true;
    for (const w of workers) w.process.kill('SIGKILL');
    throw err;
  }
  log.info({ workers: count }, 'keybrake workers ready');
  return new Promise<number>((resolve) => {
    cluster.on('exit', () => {
      if (stopping && workers.size === 0) resolve(0);
    });
  });
}
