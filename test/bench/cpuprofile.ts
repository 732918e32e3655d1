// Summarises a V8 .cpuprofile (node --cpu-prof): the top functions by self time
// and the share of busy time per package (a node_modules package, a src/ area,
// Node's own internals, the garbage collector). Idle time is left out of the
// shares: they say where the CPU went while the proxy worked.
// Run: node test/bench/cpuprofile.ts FILE.cpuprofile [--top N] [--skip-ms MS]
import fs from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileSummary {
  /** Wall time covered by the profile, ms. */
  totalMs: number;
  /** Time not idle, ms. */
  busyMs: number;
  /** Busy share per package, descending. */
  packages: Array<{ name: string; ms: number; share: number }>;
  /** Self time per function (name + place), descending. */
  functions: Array<{ name: string; where: string; pkg: string; ms: number; share: number }>;
}

/** Which package a frame belongs to: `undici`, `src/pipeline`, `node:internal`, `(gc)`. */
export function packageOf(url: string, functionName: string): string {
  if (!url) {
    if (functionName === '(garbage collector)') return '(gc)';
    if (functionName === '(idle)') return '(idle)';
    if (functionName === '(program)') return '(program)';
    return '(native)';
  }
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const [scopeOrName = '', name] = url.slice(nm + '/node_modules/'.length).split('/');
    return scopeOrName.startsWith('@') ? `${scopeOrName}/${name}` : scopeOrName;
  }
  if (url.startsWith('node:')) return 'node:internal';
  const src = url.indexOf('/src/');
  if (src >= 0)
    return `src/${url
      .slice(src + 5)
      .split('/')[0]!
      .replace(/\.ts$/, '')}`;
  return url
    .replace(/^file:\/\//, '')
    .split('/')
    .slice(-2)
    .join('/');
}

/** `skipMs`: leave out the first milliseconds of the profile (module loading, startup, warm-up). */
export function summarizeProfile(profile: CpuProfile, top = 25, skipMs = 0): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  let at = 0;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (at >= skipMs * 1000) selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
  });
  const packages = new Map<string, number>();
  const functions = new Map<string, { name: string; where: string; pkg: string; us: number }>();
  let idleUs = 0;
  let totalUs = 0;
  for (const [id, us] of selfUs) {
    const { callFrame: f } = byId.get(id)!;
    totalUs += us;
    const pkg = packageOf(f.url, f.functionName);
    if (pkg === '(idle)') {
      idleUs += us;
      continue;
    }
    packages.set(pkg, (packages.get(pkg) ?? 0) + us);
    const file = f.url.replace(/^.*\/(node_modules|src)\//, '$1/').replace(/^file:\/\//, '');
    const where = file ? `${file}:${f.lineNumber + 1}` : '';
    const key = `${f.functionName}@${where}`;
    const entry = functions.get(key) ?? { name: f.functionName || '(anonymous)', where, pkg, us: 0 };
    entry.us += us;
    functions.set(key, entry);
  }
  const busyUs = totalUs - idleUs;
  const share = (us: number) => (busyUs > 0 ? us / busyUs : 0);
  return {
    totalMs: totalUs / 1000,
    busyMs: busyUs / 1000,
    packages: [...packages].map(([name, us]) => ({ name, ms: us / 1000, share: share(us) })).sort((a, b) => b.ms - a.ms),
    functions: [...functions.values()]
      .map((f) => ({ name: f.name, where: f.where, pkg: f.pkg, ms: f.us / 1000, share: share(f.us) }))
      .sort((a, b) => b.ms - a.ms)
      .slice(0, top),
  };
}

export function formatSummary(s: ProfileSummary, packagesShown = 15): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`.padStart(6);
  const lines = [
    `profile (after the skipped start): ${(s.totalMs / 1000).toFixed(1)} s, busy ${(s.busyMs / 1000).toFixed(1)} s (${pct(s.busyMs / s.totalMs).trim()})`,
    '',
    'share of busy time per package:',
  ];
  for (const p of s.packages.slice(0, packagesShown)) lines.push(`  ${pct(p.share)}  ${p.name}`);
  lines.push('', 'top functions by self time (share of busy time):');
  for (const f of s.functions) lines.push(`  ${pct(f.share)}  ${f.name}  ${f.where}`);
  return lines.join('\n');
}

if (import.meta.main) {
  const [file, ...rest] = process.argv.slice(2);
  if (!file) {
    console.error('usage: node test/bench/cpuprofile.ts FILE.cpuprofile [--top N]');
    process.exit(2);
  }
  const topAt = rest.indexOf('--top');
  const top = topAt >= 0 ? Number(rest[topAt + 1]) : 25;
  const skipAt = rest.indexOf('--skip-ms');
  const skipMs = skipAt >= 0 ? Number(rest[skipAt + 1]) : 0;
  console.log(formatSummary(summarizeProfile(JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile, top, skipMs)));
}
