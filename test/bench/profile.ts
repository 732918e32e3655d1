// CPU profile of a keybrake proxy under wrk (Stripe charges.create form POSTs,
// the ten-rule policy), summarised per package and per function by
// cpuprofile.ts. Rerunnable, so before/after figures come from the same script.
// GC is measured alongside from --trace-gc over the same measured window: pauses
// per request, scavenges and mark-compacts, and the profile's own GC share.
// Run: node test/bench/profile.ts [defaults|cap|memory] [--seconds N] [--keep DIR]
//   defaults: SQLite ledger + SQLite audit, no cap; cap: the same with one 24h spend cap;
//   memory: --ledger memory --audit none.
import fs from 'node:fs';
import path from 'node:path';
import { BENCH_SECRETS, benchAgentKey, chargeHeaders, ms, rate, runWrk, startKeybrake, startUpstream, tempDir, tenRulePolicy, us } from './lib.ts';
import { formatSummary, summarizeProfile } from './cpuprofile.ts';

const CONFIGS = {
  defaults: { ledger: 'sqlite', audit: 'sqlite', spendCap: false },
  cap: { ledger: 'sqlite', audit: 'sqlite', spendCap: true },
  memory: { ledger: 'memory', audit: 'none', spendCap: false },
} as const;

export async function profileKeybrake(config: keyof typeof CONFIGS, seconds: number, keepDir?: string): Promise<string> {
  const c = CONFIGS[config];
  const dir = keepDir ?? tempDir('keybrake-bench-prof-');
  fs.mkdirSync(dir, { recursive: true });
  const upstream = await startUpstream();
  const agent = benchAgentKey();
  const spawnedAt = performance.now();
  let measuredFrom: number;
  const kb = await startKeybrake({
    policyYaml: tenRulePolicy(agent.sha256, { spendCap: c.spendCap }),
    upstream,
    secrets: BENCH_SECRETS,
    ledger: c.ledger,
    audit: c.audit,
    nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--trace-gc'],
  });
  let gcLine: string;
  try {
    await runWrk({ port: kb.port, headers: chargeHeaders(agent.key), durationSec: 2, serverPid: kb.pid });
    measuredFrom = performance.now() - spawnedAt; // startup and warm-up are left out of the summary
    const stdoutFrom = fs.statSync(kb.stdoutFile).size;
    const r = await runWrk({ port: kb.port, headers: chargeHeaders(agent.key), durationSec: seconds, serverPid: kb.pid });
    console.log(`keybrake ${config}: ${rate(r.rps)}, p50 ${ms(r.p50Ms)}, p99 ${ms(r.p99Ms)}, CPU ${us(r.cpuUsPerRequest)}/req, non-2xx ${r.non2xx}`);
    gcLine = gcSummary(readFrom(kb.stdoutFile, stdoutFrom), r.rps * seconds);
  } finally {
    await kb.close();
    await upstream.close();
  }
  const file = fs.readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no .cpuprofile written in ${dir}`);
  const summary = formatSummary(summarizeProfile(JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')), 30, measuredFrom));
  if (!keepDir) fs.rmSync(dir, { recursive: true, force: true });
  return `${gcLine}\n${summary}`;
}

function readFrom(file: string, offset: number): string {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const buf = Buffer.alloc(Math.max(0, size - offset));
    fs.readSync(fd, buf, 0, buf.length, offset);
    return buf.toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}

/** `--trace-gc` lines (`… ms: Scavenge 12.1 (14.0) -> 11.3 (15.0) MB, pooled: 0 MB, 0.52 / 0.00 ms …`) summed over the measured window. */
export function gcSummary(stdout: string, requests: number): string {
  const kinds = new Map<string, { count: number; ms: number }>();
  for (const m of stdout.matchAll(/ms: (Scavenge|Mark-Compact|Mark-Sweep|Minor Mark-Sweep)\b[^\n]*? MB, (?:pooled: [\d.]+ MB, )?([\d.]+) \/ [\d.]+ ms/g)) {
    const [, kind = '', ms] = m; // both groups take part in every match
    const k = kinds.get(kind) ?? { count: 0, ms: 0 };
    k.count++;
    k.ms += Number(ms);
    kinds.set(kind, k);
  }
  const total = [...kinds.values()].reduce((a, k) => a + k.ms, 0);
  const parts = [...kinds].map(([name, k]) => `${k.count} ${name} (${k.ms.toFixed(0)} ms)`);
  const perReq = requests > 0 ? `${((total * 1000) / requests).toFixed(1)} µs/req` : 'n/a';
  return `GC pauses (--trace-gc, measured window): ${total.toFixed(0)} ms in all, ${perReq}; ${parts.join(', ') || 'none'}`;
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const config = (args.find((a) => a in CONFIGS) ?? 'defaults') as keyof typeof CONFIGS;
  const at = (flag: string) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);
  console.log(await profileKeybrake(config, Number(at('--seconds') ?? 10), at('--keep')));
  process.exit(0);
}
