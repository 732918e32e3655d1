// `keybrake proxy --workers N`: the primary process. It forks N workers (each a
// whole proxy: same flags, same state dir) one after the other — so the first
// creates the SQLite schemas before the second opens them — and the cluster
// module shares the data-plane and admin ports between them. The primary relays
// kill-switch changes (peers.ts) and forwards SIGTERM/SIGINT; a worker that dies
// after it served is started again (it reads the persisted kill state first).
// What keeps workers consistent: the kill relay; caps in one ledger every
// worker writes under a lock (SQLite WAL with IMMEDIATE transactions, or Redis);
// one policy source, here in the primary, whose every policy (documents and
// generation) is sent to each worker — no worker reads the file or the
// ConfigMap itself, so no two can number or see a change differently. The
// primary also aggregates the workers' metrics for whichever one is scraped.
import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import { AggregatorRegistry } from 'prom-client';
import type { CompiledPolicy } from '../policy/compiled.ts';
import type { EgressPolicy } from '../policy/schema.ts';
import type { PolicySource } from '../policy/source.ts';
import type { Envelope, PolicyWire, WorkerReport } from './peers.ts';
import { underFlag } from './startup.ts';

const RESPAWN_DELAY_MS = 1_000;
const GATHER_MS = 2_000;

export async function runWorkers(count: number, log: Logger, policySource: PolicySource): Promise<number> {
  const workers = new Set<Worker>();
  let seq = 0;
  const wireOf = (p: CompiledPolicy): PolicyWire =>
    p.unloaded !== undefined ? { seq: ++seq, unloaded: p.unloaded } : { seq: ++seq, generation: p.generation, documents: p.documents as EgressPolicy[] };
  let policy = wireOf(
    await underFlag('--policy', 'no usable policy', () =>
      policySource.start(
        (next) => {
          policy = wireOf(next);
          for (const w of workers) if (w.isConnected()) w.send({ kb: 'policy', policy } satisfies Envelope);
          log.info({ generation: next.generation, hash: next.hash, workers: workers.size }, 'policy reloaded; sent to every worker');
        },
        (err) => log.error({ err }, 'policy reload refused; keeping the last good policy'),
      ),
    ),
  );
  /** /status on one worker: ask every worker for its report, answer with what came back within GATHER_MS. */
  const gathers = new Map<string, { add(r: WorkerReport): void }>();
  const gather = (asker: Worker, id: string) => {
    const reports: WorkerReport[] = [];
    const asked = [...workers].filter((w) => w.isConnected());
    const done = () => {
      clearTimeout(timer);
      gathers.delete(id);
      if (asker.isConnected()) asker.send({ kb: 'gathered', id, reports } satisfies Envelope);
    };
    const timer = setTimeout(done, GATHER_MS);
    gathers.set(id, { add: (r) => (reports.push(r), reports.length >= asked.length && done()) });
    for (const w of asked) w.send({ kb: 'report?', id } satisfies Envelope);
  };
  const aggregator = new AggregatorRegistry();
  const metrics = (w: Worker, id: string) =>
    aggregator.clusterMetrics().then(
      (text) => w.isConnected() && w.send({ kb: 'metrics', id, text } satisfies Envelope),
      (err: Error) => w.isConnected() && w.send({ kb: 'metrics', id, error: err.message } satisfies Envelope),
    );
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
        else if (m?.kb === 'policy?') w.send({ kb: 'policy', policy } satisfies Envelope);
        else if (m?.kb === 'metrics?') void metrics(w, m.id);
        else if (m?.kb === 'gather?') gather(w, m.id);
        else if (m?.kb === 'report') gathers.get(m.id)?.add(m.report);
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
    policySource.stop();
    log.info({ signal, workers: workers.size }, 'stopping workers: each drains, flushes and exits');
    for (const w of workers) w.process.kill('SIGTERM');
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);

  try {
    for (let slot = 1; slot <= count; slot++) await fork(slot);
  } catch (err) {
    stopping = true;
    policySource.stop();
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
