// Runs a real `keybrake proxy` in a temp dir: CA on disk, secrets dir, policy
// file, state dir, the same flags a user passes. By default in this test
// process (startProxy with the parsed flags: fast, no process start-up);
// `process: true` runs `node src/cli.ts proxy …` as a child, for what needs a
// process: a crash (SIGKILL) and restart, signals. Ports are chosen by the OS.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { Writable } from 'node:stream';
import { startProxy, type RunningProxy } from '../../src/app/proxy.ts';
import { PROXY_COMMAND, proxyOptions } from '../../src/commands/proxy.ts';
import { parseCommand } from '../../src/commands/flags.ts';
import { createLogger } from '../../src/commands/logger.ts';
import { newAgentKey } from '../../src/commands/keys.ts';
import { proxyArgs, writeProxyDir } from './proxy-dir.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

export interface Upstream {
  host: string;
  url: string;
  caPem: string;
}

export interface HarnessOptions {
  policyYaml: string;
  upstreams: Upstream[];
  /** `name/key` → value, written as <secrets>/<name>/<key>. */
  secrets: Record<string, string>;
  args?: string[];
  env?: Record<string, string>;
  /** Reuse a state dir (restart tests across harnesses). */
  dir?: string;
  /**
   * Run as a child process: restart is then a SIGKILL crash, and signal() and stderr() work.
   * Also implied by `env` (the proxy reads its environment). Default: in this process.
   */
  process?: boolean;
}

export interface Harness {
  dir: string;
  caPem: string;
  port: number;
  adminPort: number;
  adminUrl: string;
  policyFile: string;
  /** Every stdout JSON line so far (audit lines carry the record under `audit`). */
  lines: Array<Record<string, unknown>>;
  auditLines(): Array<Record<string, unknown>>;
  writePolicy(yaml: string): void;
  admin(pathname: string, init?: RequestInit): Promise<Response>;
  restart(): Promise<void>;
  /** Sends a signal to the proxy process (graceful-shutdown tests); resolves the exit code once it exits. */
  signal(sig: NodeJS.Signals): Promise<number | null>;
  /** stderr of the current process so far. */
  stderr(): string;
  stop(): Promise<void>;
  cleanup(): Promise<void>;
}

export function agentKey(): { key: string; sha256: string } {
  return newAgentKey();
}

export async function startHarness(o: HarnessOptions): Promise<Harness> {
  const dir = o.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'keybrake-'));
  const { policyFile, caPem } = writeProxyDir(dir, {
    policyYaml: o.policyYaml,
    caDir: 'ca',
    secrets: o.secrets,
    upstreamCaPems: o.upstreams.map((u) => u.caPem),
  });
  const args = [path.join(ROOT, 'src/cli.ts'), ...proxyArgs(dir, { caDir: 'ca', upstreams: o.upstreams }, o.args)];

  const lines: Array<Record<string, unknown>> = [];
  let child: ChildProcess | undefined;
  let stderr = '';
  const h: Harness = {
    dir,
    caPem,
    port: 0,
    adminPort: 0,
    adminUrl: '',
    policyFile,
    lines,
    auditLines: () => lines.filter((l) => l.msg === 'audit').map((l) => l.audit as Record<string, unknown>),
    writePolicy: (yaml) => fs.writeFileSync(policyFile, yaml),
    admin: (p, init) => fetch(`${h.adminUrl}${p}`, init),
    signal: (sig) => {
      if (!child) throw new Error('signal() needs a proxy process: startHarness({ process: true, … })');
      const c = child;
      const exited = new Promise<number | null>((r) => (c.exitCode !== null ? r(c.exitCode) : c.once('exit', (code) => r(code))));
      c.kill(sig);
      return exited;
    },
    stderr: () => stderr,
    restart: async () => {
      await h.stop();
      await launch();
    },
    stop: async () => {
      if (inProcess) {
        const p = inProcess;
        inProcess = undefined;
        return p.close();
      }
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      const c = child;
      const exited = new Promise((r) => c.once('exit', r));
      c.kill('SIGKILL'); // a crash, not a graceful stop: what a restart must survive
      await exited;
    },
    cleanup: async () => {
      await h.stop();
      if (!o.dir) fs.rmSync(dir, { recursive: true, force: true });
    },
  };

  let inProcess: RunningProxy | undefined;
  const launchInProcess = async () => {
    // Env fallbacks are left out: the test's own environment must not leak into the proxy.
    const { flags } = parseCommand(PROXY_COMMAND, args.slice(2), {});
    const sink = new Writable({
      write(chunk, _enc, done) {
        for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line));
        done();
      },
    });
    const log = createLogger('info', sink);
    inProcess = await startProxy(await proxyOptions(flags, log));
    h.port = inProcess.address.port;
    h.adminPort = inProcess.adminAddress.port;
    h.adminUrl = `http://127.0.0.1:${h.adminPort}`;
  };

  const launch = () => (o.process || o.env ? launchChild() : launchInProcess());
  const launchChild = () =>
    new Promise<void>((resolve, reject) => {
      const c = spawn(process.execPath, args, { cwd: dir, env: { ...process.env, ...o.env }, stdio: ['ignore', 'pipe', 'pipe'] });
      child = c;
      stderr = '';
      c.stderr?.on('data', (d) => (stderr += d));
      const rl = readline.createInterface({ input: c.stdout! });
      rl.on('line', (line) => {
        let obj: Record<string, unknown>;
        try {
          obj = JSON.parse(line);
        } catch {
          return;
        }
        lines.push(obj);
        if (obj.msg === 'keybrake proxy ready') {
          h.port = (obj.listen as { port: number }).port;
          h.adminPort = (obj.admin as { port: number }).port;
          h.adminUrl = `http://127.0.0.1:${h.adminPort}`;
          resolve();
        }
      });
      c.once('exit', (code) => reject(new Error(`proxy exited with ${code} before ready: ${stderr.slice(-2000)}`)));
    });
  try {
    await launch();
  } catch (err) {
    if (!o.dir) fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return h;
}
export { eventually } from './wait.ts';
