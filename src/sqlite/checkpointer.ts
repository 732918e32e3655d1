// WAL checkpoints off the event loop. SQLite's automatic checkpoint runs inside
// the COMMIT that crosses the threshold and fsyncs the WAL and the database
// there: on the proxy's only thread that is a multi-millisecond stall in the
// middle of the request path, every few hundred commits. Instead, the proxy's
// own connection checkpoints only as a backstop (a large threshold), and a
// worker thread with its own connection runs PASSIVE checkpoints on a timer
// (they never block writers). Durability is unchanged: with synchronous=NORMAL
// a committed transaction is in the WAL before the call returns, and the WAL
// survives a process crash whoever checkpoints it.
import { Worker } from 'node:worker_threads';
import type { DatabaseSync } from 'node:sqlite';

/** Pages the proxy's connection lets the WAL grow to before checkpointing itself (the worker should keep it far below). */
const BACKSTOP_PAGES = 4_000;
const EVERY_MS = 200;

// Plain CommonJS, so it runs the same from src (type stripping) and dist.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { DatabaseSync } = require('node:sqlite');
const db = new DatabaseSync(workerData.file);
db.exec('PRAGMA busy_timeout = 1000');
const timer = setInterval(() => {
  try { db.exec('PRAGMA wal_checkpoint(PASSIVE)'); } catch (err) { parentPort.postMessage(String(err && err.message)); }
}, workerData.everyMs);
parentPort.on('message', () => { clearInterval(timer); db.close(); parentPort.close(); });
`;

export interface Checkpointer {
  stop(): Promise<void>;
}

/** Moves `db`'s checkpoints (file `file`) to a worker thread; `onError` hears checkpoint failures. */
export function checkpointInBackground(db: DatabaseSync, file: string, onError?: (message: string) => void): Checkpointer {
  db.exec(`PRAGMA wal_autocheckpoint = ${BACKSTOP_PAGES}`);
  const worker = new Worker(WORKER, { eval: true, workerData: { file, everyMs: EVERY_MS } });
  worker.unref();
  worker.on('message', (m: string) => onError?.(m));
  worker.on('error', (err) => onError?.(err.message));
  let stopped: Promise<void> | undefined;
  return {
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        worker.once('exit', () => resolve());
        worker.ref(); // keep the process up until the worker's connection is closed
        worker.postMessage('stop');
        setTimeout(() => void worker.terminate(), 2_000).unref();
      });
      return stopped;
    },
  };
}
