// Applies the redirect with the nft backend, or with legacy iptables when nft
// is missing or the kernel refuses it. Either way the text that was applied is
// returned, so the init container's log shows exactly what the pod runs under.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CHAIN, renderIptables, renderNft } from './render.ts';
import type { Family, RedirectValues } from './plan.ts';

export type BackendChoice = 'auto' | 'nft' | 'iptables';

export interface Applied {
  backend: 'nft' | 'iptables';
  /** What was applied, per command. */
  steps: Array<{ command: string; input: string }>;
  notes: string[];
}

export type Run = (cmd: string, args: string[], input?: string) => { ok: boolean; output: string };

const run: Run = (cmd, args, input) => {
  const r = spawnSync(cmd, args, { input, encoding: 'utf8' });
  if (r.error) return { ok: false, output: r.error.message };
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}`.trim() };
};

function onPath(name: string, env = process.env): boolean {
  return (env.PATH ?? '').split(':').some((dir) => dir && fs.existsSync(path.join(dir, name)));
}

/** The kernel has IPv6 (an IPv6-disabled node has no addresses to leave through). */
export function ipv6Enabled(): boolean {
  return fs.existsSync('/proc/net/if_inet6');
}

function applyNft(v: RedirectValues, exec: Run): Applied | string {
  if (!onPath('nft')) return 'nft is not installed';
  const script = renderNft(v);
  const r = exec('nft', ['-f', '-'], script);
  return r.ok ? { backend: 'nft', steps: [{ command: 'nft -f -', input: script }], notes: [] } : `nft -f - failed: ${r.output}`;
}

function applyIptables(v: RedirectValues, exec: Run, families: Family[]): Applied {
  const applied: Applied = { backend: 'iptables', steps: [], notes: [] };
  for (const family of families) {
    const base = family === 'ipv4' ? 'iptables' : 'ip6tables';
    // Legacy first: when nft failed, the nf_tables flavour of iptables fails the same way.
    const tool = onPath(`${base}-legacy-restore`) ? `${base}-legacy` : base;
    if (!onPath(`${tool}-restore`)) throw new Error(`${tool}-restore is not installed: the image needs nftables or iptables`);
    // A re-run (restarted init container) must not stack a second jump into our chain.
    for (const table of ['nat', 'filter']) {
      for (let i = 0; i < 16 && exec(tool, ['-w', '-t', table, '-D', 'OUTPUT', '-j', CHAIN]).ok; i++);
    }
    const input = renderIptables(v, family);
    const r = exec(`${tool}-restore`, ['-w', '--noflush'], input);
    if (!r.ok) throw new Error(`${tool}-restore failed (${family}): ${r.output}`);
    applied.steps.push({ command: `${tool}-restore -w --noflush`, input });
  }
  return applied;
}

export function applyRedirect(v: RedirectValues, choice: BackendChoice, exec: Run = run): Applied {
  const families: Family[] = ipv6Enabled() ? ['ipv4', 'ipv6'] : ['ipv4'];
  const skipV6 = families.length === 1 ? ['IPv6 is disabled in this kernel: IPv4 rules only'] : [];
  if (choice !== 'iptables') {
    const nft = applyNft(v, exec);
    if (typeof nft !== 'string') return nft;
    if (choice === 'nft') throw new Error(`${nft} (use --backend auto to fall back to iptables)`);
    const ipt = applyIptables(v, exec, families);
    ipt.notes.push(`nft backend unavailable (${nft}); fell back to legacy iptables`, ...skipV6);
    return ipt;
  }
  const ipt = applyIptables(v, exec, families);
  ipt.notes.push(...skipV6);
  return ipt;
}

/** The nameservers of resolv.conf: the cluster resolver, inside a pod. */
export function resolvConfNameservers(text: string): string[] {
  return text
    .split('\n')
    .map((l) => /^\s*nameserver\s+(\S+)/.exec(l)?.[1])
    .filter((x): x is string => !!x)
    .map((a) => a.replace(/%.*$/, '')); // drop an IPv6 zone id
}
