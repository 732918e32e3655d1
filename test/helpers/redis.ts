// A real redis-server for tests: loopback, a free port, a temp dir, no
// persistence. stop() and start() again on the same port simulate an outage.
import { GiveUp, waitFor } from './wait.ts';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './daemon.ts';

export interface TestRedis {
  port: number;
  url: string;
  /** Stop the server (SIGTERM); data is gone, as after a crash without persistence. */
  stop(): Promise<void>;
  /** Start it again on the same port. */
  start(): Promise<void>;
  /** Freeze the server (SIGSTOP): connections stay open but nothing answers. */
  pause(): void;
  resume(): void;
  /** Stop and remove the temp dir. */
  cleanup(): Promise<void>;
}

export async function startRedis(): Promise<TestRedis> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'keybrake-redis-'));
  let child: ChildProcess | undefined;

  const start = async () => {
    const proc = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--loglevel', 'warning'],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    child = proc;
    process.once('exit', reap);
    await waitForPing(port, proc);
  };
  // A test runner that dies must not leave servers behind.
  const reap = () => void child?.kill('SIGKILL');
  const stop = async () => {
    const proc = child;
    child = undefined;
    process.removeListener('exit', reap);
    proc?.kill('SIGCONT');
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = once(proc, 'exit');
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };

  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    start,
    stop,
    pause: () => void child?.kill('SIGSTOP'),
    resume: () => void child?.kill('SIGCONT'),
    cleanup: async () => {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Resolves once the server answers PING; rejects if it exits or takes over 10 s. */
async function waitForPing(port: number, proc: ChildProcess): Promise<void> {
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  try {
    await waitFor(
      async () => {
        if (proc.exitCode !== null) throw new GiveUp(`redis-server exited (${proc.exitCode}): ${stderr}`);
        return ping(port);
      },
      { everyMs: 25, what: () => `redis-server to answer on port ${port}: ${stderr}` },
    );
  } catch (err) {
    proc.kill('SIGKILL');
    throw err;
  }
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.setTimeout(500);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (d) => {
      socket.destroy();
      resolve(d.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}
