// Spells the planned rules (plan.ts) for the two backends: one nft script
// (atomic, both families) and iptables-restore input per family (legacy
// fallback for kernels or images without nf_tables).
import { planRedirect, type Family, type Match, type PlannedRule, type RedirectValues, type Verdict } from './plan.ts';

export const TABLE = 'keybrake';
export const CHAIN = 'KEYBRAKE_OUTPUT';

// ---- nft ----

function nftMatch(m: Match, family: Family): string {
  const parts: string[] = [];
  if (m.loopback) parts.push('oifname "lo"');
  if (m.uid !== undefined) parts.push(`meta skuid ${m.uid}`);
  if (m.ct === 'reply') parts.push('ct state established,related');
  if (m.ct === 'dnat') parts.push('ct status dnat');
  if (m.daddr) parts.push(`${family === 'ipv4' ? 'ip' : 'ip6'} daddr ${m.daddr}`);
  if (m.proto === 'icmpv6') parts.push(`icmpv6 type ${m.icmpv6Type}`);
  else if (m.proto && m.dport !== undefined) parts.push(`${m.proto} dport ${m.dport}`);
  else if (m.proto) parts.push(`meta l4proto ${m.proto}`);
  return parts.join(' ');
}

function nftVerdict(v: Verdict): string {
  if (typeof v === 'object') return `redirect to :${v.redirectTo}`;
  // Counting drops lets `nft list table` show what the pod tried to send.
  return v === 'drop' ? 'counter drop' : v;
}

const nftComment = (why: string) => `comment "${why.replace(/"/g, "'").slice(0, 120)}"`;

function nftTable(rules: PlannedRule[], family: Family): string {
  const fam = family === 'ipv4' ? 'ip' : 'ip6';
  const chain = (table: PlannedRule['table'], header: string) =>
    [
      `\tchain ${table}_output {`,
      `\t\t${header}`,
      ...rules
        .filter((r) => r.table === table)
        .map((r) => `\t\t${[nftMatch(r.match, family), nftVerdict(r.verdict), nftComment(r.why)].filter(Boolean).join(' ')}`),
      '\t}',
    ].join('\n');
  return [
    // Declare-then-delete makes a re-run (a restarted init container) replace the table, never duplicate it.
    `table ${fam} ${TABLE}`,
    `delete table ${fam} ${TABLE}`,
    `table ${fam} ${TABLE} {`,
    chain('nat', 'type nat hook output priority -100; policy accept;'),
    chain('filter', 'type filter hook output priority 0; policy accept;'),
    '}',
  ].join('\n');
}

/** One nft script for both families, applied in one transaction by `nft -f -`. */
export function renderNft(v: RedirectValues): string {
  return `${(['ipv4', 'ipv6'] as const).map((f) => nftTable(planRedirect(v, f), f)).join('\n')}\n`;
}

// ---- iptables-restore ----

const IPTABLES_ICMPV6: Record<string, string> = {
  'nd-neighbor-solicit': 'neighbour-solicitation',
  'nd-neighbor-advert': 'neighbour-advertisement',
  'nd-router-solicit': 'router-solicitation',
  'mld2-listener-report': '143',
};

function iptablesMatch(m: Match): string[] {
  const parts: string[] = [];
  if (m.loopback) parts.push('-o lo');
  if (m.uid !== undefined) parts.push(`-m owner --uid-owner ${m.uid}`);
  if (m.ct === 'reply') parts.push('-m conntrack --ctstate ESTABLISHED,RELATED');
  if (m.ct === 'dnat') parts.push('-m conntrack --ctstate DNAT');
  if (m.daddr) parts.push(`-d ${m.daddr}`);
  if (m.proto === 'icmpv6') parts.push(`-p ipv6-icmp --icmpv6-type ${IPTABLES_ICMPV6[m.icmpv6Type!]}`);
  else if (m.proto) parts.push(`-p ${m.proto}`, ...(m.dport !== undefined ? [`--dport ${m.dport}`] : []));
  return parts;
}

function iptablesVerdict(v: Verdict): string {
  return typeof v === 'object' ? `-j REDIRECT --to-ports ${v.redirectTo}` : `-j ${v.toUpperCase()}`;
}

/** iptables-restore --noflush input for one family: our own chain in nat and filter, jumped to from OUTPUT. */
export function renderIptables(v: RedirectValues, family: Family): string {
  const rules = planRedirect(v, family);
  const lines: string[] = [];
  for (const table of ['nat', 'filter'] as const) {
    lines.push(`*${table}`, `:${CHAIN} - [0:0]`);
    for (const r of rules.filter((x) => x.table === table)) {
      lines.push(
        [`-A ${CHAIN}`, ...iptablesMatch(r.match), `-m comment --comment "${r.why.replace(/"/g, "'").slice(0, 120)}"`, iptablesVerdict(r.verdict)].join(' '),
      );
    }
    lines.push(`-A OUTPUT -j ${CHAIN}`, 'COMMIT');
  }
  return `${lines.join('\n')}\n`;
}
