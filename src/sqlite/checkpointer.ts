// WAL checkpoints off the event loop. SQLite's automatic checkpoint runs inside
// the COMMIT that crosses the threshold and fsyncs the WAL and the database
// there: on the proxy's only thread that is a multi-millisecond stall in the
// middle of the request path, every few hundred commits. Instead, the proxy's
// own connection checkpoints only as a backstop (a larger threshold), and ONE
// worker thread per process (an isolate costs ~15 MiB of RSS, so the ledger and
// the audit store share it), with its own connection to each file, runs PASSIVE
// checkpoints on a timer (they never block writers). Durability is unchanged:
// with synchronous=NORMAL a committed transaction is in the WAL before the call
// returns, and the WAL survives a process crash whoever checkpoints it.
import { Worker } from 'node:worker_threads';
import type { DatabaseSync } from 'node:sqlite';

/** Pages the proxy's connection lets the WAL grow to before checkpointing itself (the worker keeps it far below). */
const BACKSTOP_PAGES = 4_000;
const EVERY_MS = 200;

// Plain CommonJS, so it runs the same from src (type stripping) and dist.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { DatabaseSync } = require('node:sqlite');
const dbs = new Map();
setInterval(() => {
  for (const [id, db] of dbs) {
    try { db.exec('PRAGMA wal_checkpoint(PASSIVE)'); } catch (err) { parentPort.postMessage({ id, error: String(err && err.message) }); }
  }
}, workerData.everyMs);
parentPort.on('message', (m) => {
  if (m.add) {
    const db = new DatabaseSync(m.file);
    db.exec('PRAGMA busy_timeout = 1000');
    dbs.set(m.add, db);
  } else if (m.remove) {
    dbs.get(m.remove)?.close();
    dbs.delete(m.remove);
    parentPort.postMessage({ id: m.remove, removed: true });
  }
});
`;

export interface Checkpointer {
  stop(): Promise<void>;
}

interface Registration {
  onError?: (message: string) => void;
  removed?: () => void;
}

interface SharedThread {
  worker: Worker;
  files: Map<number, Registration>;
}

let shared: SharedThread | undefined;
let nextId = 0;

function thread(): SharedThread {
  if (shared) return shared;
  const s: SharedThread = { worker: new Worker(WORKER, { eval: true, workerData: { everyMs: EVERY_MS } }), files: new Map() };
  s.worker.unref();
  s.worker.on('message', (m: { id: number; error?: string; removed?: boolean }) => {
    const r = s.files.get(m.id);
    if (m.removed) r?.removed?.();
    else if (m.error !== undefined) r?.onError?.(m.error);
  });
  s.worker.on('error', (err) => {
    for (const r of s.files.values()) r.onError?.(err.message);
  });
  s.worker.once('exit', () => {
    if (shared === s) shared = undefined;
    for (const r of [...s.files.values()]) r.removed?.();
  });
  shared = s;
  return s;
}

/** Moves `db`'s checkpoints (file `file`) to the shared worker thread; `onError` hears checkpoint failures. */
export function checkpointInBackground(db: DatabaseSync, file: string, onError?: (message: string) => void): Checkpointer {
  db.exec(`PRAGMA wal_autocheckpoint = ${BACKSTOP_PAGES}`);
  const s = thread();
  const id = ++nextId;
  const reg: Registration = { onError };
  s.files.set(id, reg);
  s.worker.postMessage({ add: id, file });
  let stopped: Promise<void> | undefined;
  return {
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        reg.removed = () => {
          reg.removed = undefined;
          s.files.delete(id);
          if (s.files.size === 0) {
            // The last file: the thread goes too.
            if (shared === s) shared = undefined;
            void s.worker.terminate();
          } else {
            s.worker.unref();
          }
          resolve();
        };
        s.worker.ref(); // keep the process up until the worker's connection to this file is closed
        s.worker.postMessage({ remove: id });
        setTimeout(() => reg.removed?.(), 2_000).unref();
      });
      return stopped;
    },
  };
}
