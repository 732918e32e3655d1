// Runs a real server binary (Prometheus, Alertmanager) for a test: a temp dir
// for its config and storage, a free loopback port, ready when its /-/ready
// answers 200, stopped and cleaned up by stop(). Logs are kept (the last
// lines) so a failure can say why the server did not come up.
import crypto from 'node:crypto';
import { GiveUp, waitFor } from './wait.ts';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface Daemon {
  readonly port: number;
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** Temp dir holding the config and storage; removed by stop(). */
  readonly dir: string;
  /** The last lines the server printed. */
  logs(): string;
  stop(): Promise<void>;
}

export interface DaemonSpec {
  /** For messages and the temp dir name. */
  name: string;
  binary: string;
  /** Write config files into `dir`; return the command-line arguments. */
  prepare(dir: string, port: number): Promise<string[]>;
  readyTimeoutMs?: number;
}

const LOG_LINES = 200;
const PORT_ATTEMPTS = 3;

/**
 * A port free now, for a server started later (and perhaps stopped and restarted on it).
 * Drawn from 20000-31999, outside the kernel's ephemeral range (32768-60999) where every port-0 listener
 * and outgoing connection on the machine takes its ports: a server stopped mid-test keeps
 * its port until it comes back.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = 20_000 + crypto.randomInt(12_000); // clear of keybrake's own 17xxx defaults too
    const server = net.createServer();
    const bound = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (!bound) continue;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return port;
  }
}

export async function startDaemon(spec: DaemonSpec): Promise<Daemon> {
  let lastError: Error | undefined;
  // The free port is free when asked, not necessarily at bind: retry on a lost race.
  for (let attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), `keybrake-${spec.name}-`));
    const port = await freePort();
    const args = await spec.prepare(dir, port);
    const daemon = launch(spec, dir, port, args);
    try {
      await waitReady(daemon, spec);
      return daemon.handle;
    } catch (err) {
      lastError = err as Error;
      await daemon.handle.stop(); // also removes the attempt's dir
      if (!/address already in use/i.test(daemon.handle.logs())) break;
    }
  }
  throw lastError ?? new Error(`${spec.name} did not start`);
}

interface Launched {
  handle: Daemon;
  child: ChildProcess;
  exited: Promise<number | null>;
}

function launch(spec: DaemonSpec, dir: string, port: number, args: string[]): Launched {
  const lines: string[] = [];
  const child = spawn(spec.binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const keep = (chunk: Buffer): void => {
    lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    if (lines.length > LOG_LINES) lines.splice(0, lines.length - LOG_LINES);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const spawnError = new Promise<never>((_, reject) => child.once('error', reject));
  const exited = Promise.race([
    new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code))),
    spawnError.catch((err: Error) => {
      lines.push(`spawn ${spec.binary}: ${err.message}`);
      return null;
    }),
  ]);
  // A test runner that dies must not leave servers behind.
  const reap = (): void => void child.kill('SIGKILL');
  process.once('exit', reap);

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      process.removeListener('exit', reap);
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
      await fs.rm(dir, { recursive: true, force: true });
    })());

  const handle: Daemon = { port, url: `http://127.0.0.1:${port}`, dir, logs: () => lines.join('\n'), stop };
  return { handle, child, exited };
}

async function waitReady(d: Launched, spec: DaemonSpec): Promise<void> {
  let gone = false;
  void d.exited.then(() => (gone = true));
  await waitFor(
    async () => {
      if (gone) throw new GiveUp(`${spec.name} exited before it was ready:\n${d.handle.logs()}`);
      return fetch(`${d.handle.url}/-/ready`).then(
        (r) => r.ok,
        () => false,
      );
    },
    { timeoutMs: spec.readyTimeoutMs ?? 20_000, everyMs: 50, what: () => `${spec.name} to be ready:\n${d.handle.logs()}` },
  );
}
