// Two network namespaces the test creates and removes: an "agent pod" and a
// "world", joined by a veth pair, with addresses that exist only inside them.
// Nothing is added to the host's own network namespace.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import readline from 'node:readline';

export const ADDR = {
  pod: '10.77.0.2',
  world: '10.77.0.1',
  /** The "cluster resolver": the only DNS server the pod may use. */
  resolver: '10.77.0.53',
  pod6: 'fd77::2',
  world6: 'fd77::1',
} as const;

export function must(cmd: string, args: string[], o: { input?: string; env?: NodeJS.ProcessEnv } = {}): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input: o.input, env: o.env ?? process.env });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.error?.message ?? ''}${r.stderr}${r.stdout}`);
  return r.stdout;
}

export interface Topology {
  pod: string;
  world: string;
  destroy(): void;
}

export function createTopology(): Topology {
  const id = crypto.randomBytes(4).toString('hex');
  const pod = `kb-pod-${id}`;
  const world = `kb-world-${id}`;
  const created: string[] = [];
  const destroy = () => {
    for (const ns of created.splice(0)) spawnSync('ip', ['netns', 'del', ns]);
  };
  try {
    for (const ns of [pod, world]) {
      must('ip', ['netns', 'add', ns]);
      created.push(ns);
      must('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    }
    // Created inside the pod namespace with its peer moved straight into the world's.
    must('ip', ['-n', pod, 'link', 'add', 'veth0', 'type', 'veth', 'peer', 'name', 'veth0', 'netns', world]);
    must('ip', ['-n', pod, 'addr', 'add', `${ADDR.pod}/24`, 'dev', 'veth0']);
    must('ip', ['-n', pod, 'addr', 'add', `${ADDR.pod6}/64`, 'dev', 'veth0', 'nodad']);
    for (const a of [ADDR.world, ADDR.resolver]) must('ip', ['-n', world, 'addr', 'add', `${a}/24`, 'dev', 'veth0']);
    must('ip', ['-n', world, 'addr', 'add', `${ADDR.world6}/64`, 'dev', 'veth0', 'nodad']);
    for (const ns of [pod, world]) must('ip', ['-n', ns, 'link', 'set', 'veth0', 'up']);
  } catch (err) {
    destroy();
    throw err;
  }
  return { pod, world, destroy };
}

/** A long-running process whose stdout is JSON lines (plus anything else, kept for messages). */
export interface LineProcess {
  child: ChildProcess;
  lines: Array<Record<string, unknown>>;
  text(): string;
  waitFor(pred: (line: Record<string, unknown>) => boolean, what: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

export function startLines(cmd: string, args: string[], env: NodeJS.ProcessEnv): LineProcess {
  const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: Array<Record<string, unknown>> = [];
  const raw: string[] = [];
  const waiters: Array<() => void> = [];
  const onLine = (line: string) => {
    raw.push(line);
    if (raw.length > 400) raw.shift();
    try {
      lines.push(JSON.parse(line));
    } catch {
      return;
    }
    for (const w of waiters.splice(0)) w();
  };
  readline.createInterface({ input: child.stdout! }).on('line', onLine);
  readline.createInterface({ input: child.stderr! }).on('line', (l) => raw.push(l));
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
  child.once('exit', () => waiters.splice(0).forEach((w) => w()));
  return {
    child,
    lines,
    text: () => raw.join('\n'),
    async waitFor(pred, what, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const hit = lines.find(pred);
        if (hit) return hit;
        if (exited) throw new Error(`${what}: the process exited first:\n${raw.join('\n')}`);
        if (Date.now() > deadline) throw new Error(`${what}: not seen within ${timeoutMs} ms:\n${raw.join('\n')}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 500);
        });
      }
    },
    async stop() {
      if (!exited) child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exit;
      clearTimeout(t);
    },
  };
}

/** Run one command to completion inside a namespace and parse its last JSON line. */
export function runJson(args: string[], env: NodeJS.ProcessEnv): Promise<Record<string, any>> {
  return new Promise((resolve, reject) => {
    const child = spawn(args[0]!, args.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', () => {
      const last = out.trim().split('\n').at(-1) ?? '';
      try {
        resolve(JSON.parse(last));
      } catch {
        reject(new Error(`${args.join(' ')} printed no JSON:\n${out}\n${err}`));
      }
    });
  });
}
