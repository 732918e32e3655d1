// The pod's redirect, as one list of rules per address family. This is the only
// place the rules are decided; nft.ts and iptables.ts only spell them for their
// backend, and `keybrake init-redirect` is the only thing that applies them.
import net from 'node:net';

export type Family = 'ipv4' | 'ipv6';

export interface RedirectValues {
  /** The sidecar's UID: its sockets, and only its sockets, go straight out. */
  uid: number;
  /** The sidecar's data port every other outbound TCP connection is redirected to. */
  port: number;
  /** The cluster resolver(s): the only destinations of DNS (UDP and TCP port 53). */
  dns: string[];
}

export type Verdict = 'return' | 'accept' | 'drop' | { redirectTo: number };

export interface Match {
  /** Leaving through the loopback interface (the pod talking to itself). */
  loopback?: true;
  uid?: number;
  proto?: 'tcp' | 'udp' | 'icmpv6';
  dport?: number;
  daddr?: string;
  /** Conntrack: 'reply' = established or related (answers to inbound connections); 'dnat' = already redirected. */
  ct?: 'reply' | 'dnat';
  icmpv6Type?: IcmpV6Type;
}

/** ICMPv6 the kernel itself sends to keep IPv6 working (neighbour discovery, multicast listener reports). */
export const ICMPV6_KEEPALIVE = ['nd-neighbor-solicit', 'nd-neighbor-advert', 'nd-router-solicit', 'mld2-listener-report'] as const;
export type IcmpV6Type = (typeof ICMPV6_KEEPALIVE)[number];

export interface PlannedRule {
  /** nat: decides where a new outbound TCP connection goes; filter: decides whether a packet leaves at all. */
  table: 'nat' | 'filter';
  match: Match;
  verdict: Verdict;
  why: string;
}

export function validateRedirectValues(v: RedirectValues): void {
  // UID 0 would let every root process out, and the sidecar never runs as root.
  if (!Number.isInteger(v.uid) || v.uid < 1 || v.uid > 4_294_967_294) throw new Error(`--uid must be the sidecar's non-root UID (1…4294967294), got ${v.uid}`);
  if (!Number.isInteger(v.port) || v.port < 1 || v.port > 65535) throw new Error(`--port must be the sidecar's data port (1…65535), got ${v.port}`);
  for (const a of v.dns) if (!net.isIP(a)) throw new Error(`--dns expects IP addresses of the cluster resolver, got "${a}"`);
}

export function dnsFor(family: Family, dns: string[]): string[] {
  return dns.filter((a) => net.isIP(a) === (family === 'ipv4' ? 4 : 6));
}

/** The rules for one family, in evaluation order within each table. */
export function planRedirect(v: RedirectValues, family: Family): PlannedRule[] {
  validateRedirectValues(v);
  const resolvers = dnsFor(family, v.dns);
  const rules: PlannedRule[] = [
    { table: 'nat', match: { loopback: true }, verdict: 'return', why: 'loopback: the pod talking to itself, the sidecar included' },
    { table: 'nat', match: { uid: v.uid }, verdict: 'return', why: "the sidecar's own connections go straight out" },
    ...resolvers.map((daddr): PlannedRule => ({
      table: 'nat',
      match: { daddr, proto: 'tcp', dport: 53 },
      verdict: 'return',
      why: 'DNS over TCP to the cluster resolver',
    })),
    { table: 'nat', match: { proto: 'tcp' }, verdict: { redirectTo: v.port }, why: "every other outbound TCP connection goes to the sidecar's data port" },

    { table: 'filter', match: { loopback: true }, verdict: 'accept', why: 'loopback, which is where redirected connections go' },
    { table: 'filter', match: { uid: v.uid }, verdict: 'accept', why: "the sidecar's own traffic" },
    { table: 'filter', match: { ct: 'reply' }, verdict: 'accept', why: 'answers to connections that came in (probes, services)' },
    { table: 'filter', match: { ct: 'dnat' }, verdict: 'accept', why: 'connections the nat rules redirected to the sidecar' },
    ...resolvers.flatMap((daddr): PlannedRule[] => [
      { table: 'filter', match: { daddr, proto: 'udp', dport: 53 }, verdict: 'accept', why: 'DNS to the cluster resolver' },
      { table: 'filter', match: { daddr, proto: 'tcp', dport: 53 }, verdict: 'accept', why: 'DNS over TCP to the cluster resolver' },
    ]),
    ...(family === 'ipv6'
      ? ICMPV6_KEEPALIVE.map((t): PlannedRule => ({
          table: 'filter',
          match: { proto: 'icmpv6', icmpv6Type: t },
          verdict: 'accept',
          why: 'IPv6 neighbour discovery sent by the kernel',
        }))
      : []),
    { table: 'filter', match: {}, verdict: 'drop', why: 'anything else leaving: UDP (QUIC, other resolvers), ICMP, TCP that escaped the redirect' },
  ];
  return rules;
}
