// Passthrough hosts are tunnelled untouched (no TLS termination), after an
// SSRF check: the name must not resolve to a private, loopback or link-local
// address unless the policy allows it.
import dns from 'node:dns/promises';
import net from 'node:net';

const BLOCKED = new net.BlockList();
for (const [addr, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  BLOCKED.addSubnet(addr, prefix, 'ipv4');
for (const [addr, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  BLOCKED.addSubnet(addr, prefix, 'ipv6');
}

export function isPrivateAddress(address: string): boolean {
  // An IPv4-mapped IPv6 address (::ffff:127.0.0.1) is judged as the IPv4 it carries.
  const [, mapped] = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address) ?? [];
  if (mapped !== undefined) return BLOCKED.check(mapped, 'ipv4');
  return BLOCKED.check(address, net.isIPv6(address) ? 'ipv6' : 'ipv4');
}

/** Resolve and check; returns the address to dial, or the reason to refuse. */
export async function resolvePassthrough(host: string, allowPrivate: boolean): Promise<{ ok: true; address: string } | { ok: false; reason: string }> {
  let addresses: Array<{ address: string }>;
  try {
    addresses = net.isIP(host) ? [{ address: host }] : await dns.lookup(host, { all: true });
  } catch (err) {
    return { ok: false, reason: `cannot resolve ${host}: ${(err as Error).message}` };
  }
  const [first] = addresses;
  if (first === undefined) return { ok: false, reason: `cannot resolve ${host}` };
  // Every answer must be acceptable: otherwise DNS could rebind to an internal address.
  const bad = addresses.find((a) => isPrivateAddress(a.address));
  if (bad && !allowPrivate) return { ok: false, reason: `${host} resolves to private address ${bad.address}` };
  return { ok: true, address: first.address };
}

/** Pipe two sockets together; either closing closes both. */
export function splice(a: net.Socket, b: net.Socket): void {
  a.pipe(b);
  b.pipe(a);
  const close = () => {
    a.destroy();
    b.destroy();
  };
  a.once('close', close);
  b.once('close', close);
  a.on('error', close);
  b.on('error', close);
}
