// Child processes of the bench: pinned to a core on a 2-core machine (as in
// The placement: the server under test on core 0, the load generator
// and the static upstream on core 1), reaped if the bench dies, and stopped
// with a signal and a deadline.
import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const CORES = { server: 0, load: 1 } as const;

let tasksetOk: boolean | undefined;

export function canPin(): boolean {
  if (tasksetOk === undefined) {
    try {
      execFileSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore' });
      tasksetOk = os.availableParallelism() >= 2;
    } catch {
      tasksetOk = false;
    }
  }
  return tasksetOk;
}

/** Is `cmd` on PATH (or an absolute path that runs)? */
export function hasCommand(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

/** Spawn `cmd args`, under `taskset -c core` when pinning works; killed if the bench exits first. */
export function spawnPinned(core: number | undefined, cmd: string, args: string[], opts: SpawnOptions = {}): ChildProcess {
  const pin = core !== undefined && canPin();
  const child = spawn(pin ? 'taskset' : cmd, pin ? ['-c', String(core), cmd, ...args] : args, opts);
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

/** Send `signal`, then SIGKILL after `graceMs`; resolves when the process has exited. */
export async function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', graceMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Resolves once 127.0.0.1:port accepts a connection; rejects if `child` exits or time runs out. */
export async function waitForPort(port: number, child: ChildProcess, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${what} did not listen on ${port} within ${timeoutMs} ms`);
}

/** Runs `cmd args` to completion and returns stdout; rejects with stderr on a non-zero exit. */
export async function runToEnd(core: number | undefined, cmd: string, args: string[]): Promise<string> {
  const child = spawnPinned(core, cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d) => (out += d));
  child.stderr?.on('data', (d) => (err += d));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`${cmd} exited with ${code}: ${err.trim().slice(-1000)}`);
  return out;
}

/** A fresh scratch directory under the OS temp dir (configs, logs, state of one child). */
export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

let clockTicks: number | undefined;

/**
 * CPU seconds (user + system) used so far by `pid` and its live descendants
 * (nginx's worker under its master). Unlike req/s, CPU per request barely moves
 * when other processes compete for the cores. Linux /proc only; NaN elsewhere.
 */
export function cpuSeconds(pid: number): number {
  try {
    clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    let ticks = 0;
    const visit = (p: number) => {
      // Fields after the parenthesised command name: utime is the 12th, stime the 13th.
      const stat = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
      for (const tid of fs.readdirSync(`/proc/${p}/task`)) {
        const children = fs.readFileSync(`/proc/${p}/task/${tid}/children`, 'utf8').trim();
        for (const c of children ? children.split(' ') : []) visit(Number(c));
      }
    };
    visit(pid);
    return ticks / clockTicks;
  } catch {
    return NaN;
  }
}

/** Resident memory in MiB of `pid` and its live descendants (workers under a primary); NaN off Linux. */
export function rssMiB(pid: number): number {
  try {
    let kib = 0;
    const visit = (p: number) => {
      const status = fs.readFileSync(`/proc/${p}/status`, 'utf8');
      kib += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      for (const tid of fs.readdirSync(`/proc/${p}/task`)) {
        const children = fs.readFileSync(`/proc/${p}/task/${tid}/children`, 'utf8').trim();
        for (const c of children ? children.split(' ') : []) visit(Number(c));
      }
    };
    visit(pid);
    return kib / 1024;
  } catch {
    return NaN;
  }
}
