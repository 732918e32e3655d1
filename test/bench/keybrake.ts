// A real `keybrake proxy` process for benchmarks, pinned to the server core.
// Unlike test/helpers/proxy-harness.ts, its stdout (one audit line per request)
// goes to a file: at 10k req/s the bench process must neither parse those
// lines (CPU on the load core) nor let a full pipe stall the proxy's writes.
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { proxyArgs, writeProxyDir } from '../helpers/proxy-dir.ts';
import { CORES, spawnPinned, stopChild, tempDir } from './procs.ts';
import type { BenchUpstream } from './upstream.ts';

// `npm run bench` builds dist/ first: measure what ships (no type stripping: the
// stripper alone adds tens of MiB of RSS). Run directly, the bench uses src/.
const BUILT = path.resolve(import.meta.dirname, '../../dist/cli.js');
const CLI = process.env.npm_lifecycle_event === 'bench' && fs.existsSync(BUILT) ? BUILT : path.resolve(import.meta.dirname, '../../src/cli.ts');

export interface KeybrakeOptions {
  policyYaml: string;
  upstream: Pick<BenchUpstream, 'host' | 'url' | 'caPem'>;
  /** `name/key` → value, written as <secrets>/<name>/<key>. */
  secrets: Record<string, string>;
  /** `--ledger`; default memory (the pure data-plane figure). */
  ledger?: string;
  /** `--audit`; default none (stdout lines only). */
  audit?: string;
  /** More `keybrake proxy` flags. */
  args?: string[];
  /** Node flags before the script, e.g. `--cpu-prof --cpu-prof-dir=DIR`. */
  nodeArgs?: string[];
  env?: Record<string, string>;
  /** Default CORES.server; null runs unpinned. */
  core?: number | null;
}

export interface KeybrakeProcess {
  port: number;
  adminPort: number;
  adminUrl: string;
  /** CA that signs the proxy's leaves (agents trust it). */
  caPem: string;
  dir: string;
  pid: number;
  /** The proxy's stdout (pino JSON lines, audit included). */
  stdoutFile: string;
  /** SIGTERM (graceful: flushes, writes a --cpu-prof profile), then removes `dir` unless keepDir. */
  close(opts?: { keepDir?: boolean }): Promise<void>;
}

export async function startKeybrake(o: KeybrakeOptions): Promise<KeybrakeProcess> {
  const dir = tempDir('keybrake-bench-proxy-');
  const { caPem } = writeProxyDir(dir, { policyYaml: o.policyYaml, secrets: o.secrets, upstreamCaPems: [o.upstream.caPem] });
  const stdoutFile = path.join(dir, 'stdout.jsonl');
  const out = fs.openSync(stdoutFile, 'w');
  const args = [
    ...(o.nodeArgs ?? []),
    CLI,
    ...proxyArgs(dir, { upstreams: [o.upstream] }, ['--ledger', o.ledger ?? 'memory', '--audit', o.audit ?? 'none', ...(o.args ?? [])]),
  ];
  const core = o.core === null ? undefined : (o.core ?? CORES.server);
  const child = spawnPinned(core, process.execPath, args, { cwd: dir, env: { ...process.env, ...o.env }, stdio: ['ignore', out, 'pipe'] });
  fs.closeSync(out);
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  // --workers N: measure once every worker serves, not while the later ones are still starting.
  const ready = await waitForReady(child, stdoutFile, () => stderr, (o.args ?? []).includes('--workers'));
  return {
    port: ready.listen.port,
    adminPort: ready.admin.port,
    adminUrl: `http://127.0.0.1:${ready.admin.port}`,
    caPem,
    dir,
    pid: child.pid ?? 0,
    stdoutFile,
    close: async ({ keepDir = false } = {}) => {
      await stopChild(child, 'SIGTERM', 10_000);
      if (!keepDir) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

interface ReadyLine {
  listen: { port: number };
  admin: { port: number };
}

/** Polls the stdout file for the "keybrake proxy ready" line (and with `allWorkers`, the primary's "keybrake workers ready"). */
async function waitForReady(child: ChildProcess, stdoutFile: string, stderr: () => string, allWorkers: boolean, timeoutMs = 60_000): Promise<ReadyLine> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`keybrake exited with ${child.exitCode} before ready: ${stderr()}`);
    const lines = fs.readFileSync(stdoutFile, 'utf8').split('\n');
    const ready = lines.find((line) => line.includes('"keybrake proxy ready"'));
    if (ready && (!allWorkers || lines.some((line) => line.includes('"keybrake workers ready"')))) return JSON.parse(ready) as ReadyLine;
    await new Promise((r) => setTimeout(r, 50));
  }
  await stopChild(child, 'SIGKILL');
  throw new Error(`keybrake not ready within ${timeoutMs} ms: ${stderr()}`);
}
