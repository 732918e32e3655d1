// Fixed-rate (open-loop) load: requests leave on a schedule whatever the
// server does, so a slow server cannot slow the generator and hide its own
// latency (wrk's closed loop would). Runs as a child process pinned to the
// load core (this file is its entry too). Latency runs from handing the
// request to the pool to the last byte of the response.
import { Pool } from 'undici';
import { CORES, runToEnd } from './procs.ts';
import { CHARGE_FORM, CHARGE_PATH, STRIPE_HOST, type LoadTarget } from './stripe-load.ts';
import { summarize, type LatencySummary } from './stats.ts';

export interface OpenLoopOptions extends LoadTarget {
  /** Requests per second. */
  rate: number;
  durationSec: number;
  /** Sent at the same rate first and not recorded (connections, JIT). Default 1. */
  warmupSec?: number;
  /** Keep-alive connections the generator may open. Default 8. */
  connections?: number;
  /** Default CORES.load; null runs in this process, unpinned. */
  core?: number | null;
}

export interface OpenLoopResult {
  sent: number;
  non2xx: number;
  errors: number;
  /** Latest a request left after its scheduled time (generator health). */
  maxLagMs: number;
  latency: LatencySummary;
  /** Raw samples in ms, for callers that want other percentiles. */
  latenciesMs: number[];
}

export async function runOpenLoop(o: OpenLoopOptions): Promise<OpenLoopResult> {
  if (o.core === null) return generate(o);
  const { core, ...opts } = o;
  const out = await runToEnd(core ?? CORES.load, process.execPath, [import.meta.filename, JSON.stringify(opts)]);
  return JSON.parse(out) as OpenLoopResult;
}

/** The generator itself (the child process runs it). */
export async function generate(o: OpenLoopOptions): Promise<OpenLoopResult> {
  const host = o.host ?? STRIPE_HOST;
  const pool = new Pool(`https://127.0.0.1:${o.port}`, {
    connections: o.connections ?? 8,
    pipelining: 1,
    keepAliveTimeout: 60_000,
    connect: { servername: host, rejectUnauthorized: false }, // as wrk: the bench measures, it does not verify
  });
  const headers = { ...o.headers, host };
  const body = o.body ?? CHARGE_FORM;
  const reqPath = o.path ?? CHARGE_PATH;
  let seq = 0;
  const once = async (): Promise<{ ms: number; status: number }> => {
    const t0 = process.hrtime.bigint();
    const res = await pool.request({ method: 'POST', path: reqPath, headers: { ...headers, 'idempotency-key': `open-${process.pid}-${++seq}` }, body });
    await res.body.dump();
    return { ms: Number(process.hrtime.bigint() - t0) / 1e6, status: res.statusCode };
  };
  try {
    await schedule(o.rate, o.warmupSec ?? 1, once);
    const latenciesMs: number[] = [];
    let non2xx = 0;
    let errors = 0;
    const { sent, maxLagMs } = await schedule(o.rate, o.durationSec, () =>
      once().then(
        (r) => {
          latenciesMs.push(r.ms);
          if (r.status < 200 || r.status >= 300) non2xx++;
        },
        () => void errors++,
      ),
    );
    return { sent, non2xx, errors, maxLagMs, latency: summarize(latenciesMs), latenciesMs };
  } finally {
    await pool.destroy();
  }
}

/** Calls `fire` `rate` times a second for `seconds` on an absolute schedule; waits for every call. */
async function schedule(rate: number, seconds: number, fire: () => Promise<unknown>): Promise<{ sent: number; maxLagMs: number }> {
  const total = Math.round(rate * seconds);
  const intervalMs = 1000 / rate;
  const start = performance.now();
  const pending: Array<Promise<unknown>> = [];
  let maxLagMs = 0;
  for (let i = 0; i < total; i++) {
    const due = start + i * intervalMs;
    const wait = due - performance.now();
    if (wait >= 1) await new Promise((r) => setTimeout(r, Math.floor(wait)));
    maxLagMs = Math.max(maxLagMs, performance.now() - due);
    pending.push(fire().catch(() => {}));
  }
  await Promise.all(pending);
  return { sent: total, maxLagMs };
}

// As the child process: options as JSON in argv[2], the result as JSON on stdout.
if (import.meta.main) process.stdout.write(JSON.stringify(await generate(JSON.parse(process.argv[2]!) as OpenLoopOptions)));
