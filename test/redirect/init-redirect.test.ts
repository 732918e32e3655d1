// `keybrake init-redirect` without applying anything (--dry-run): the one rule
// plan spelled for each backend, the resolver taken from resolv.conf, and
// errors that name the flag. Applying the rules for real is test/e2e/only-egress.test.ts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { runInitRedirectCommand } from '../../src/commands/init-redirect.ts';
import { resolvConfNameservers } from '../../src/redirect/apply.ts';
import { planRedirect } from '../../src/redirect/plan.ts';

async function dryRun(args: string[]): Promise<string> {
  let out = '';
  const sink = new Writable({ write: (chunk, _e, cb) => ((out += chunk), cb()) });
  expect(await runInitRedirectCommand([...args, '--dry-run'], sink)).toBe(0);
  return out;
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'keybrake-resolv-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
let files = 0;

/** The command's refusal: a non-zero exit and what it printed on stderr (or threw). */
async function refusal(args: string[]): Promise<string> {
  let err = '';
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string) => ((err += chunk), true)) as typeof process.stderr.write;
  try {
    const code = await runInitRedirectCommand([...args, '--dry-run'], new Writable({ write: (_c, _e, cb) => cb() }));
    expect(code).not.toBe(0);
  } catch (e) {
    err += (e as Error).message;
  } finally {
    process.stderr.write = write;
  }
  return err;
}

function resolvConf(text: string): string {
  const file = path.join(tmp, `resolv-${++files}.conf`);
  fs.writeFileSync(file, text);
  return file;
}

describe('keybrake init-redirect --dry-run', () => {
  it('spells the same plan for nft (both families, one script) and iptables-restore', async () => {
    const args = ['--uid', '17777', '--port', '17001', '--dns', '10.96.0.10', '--dns', 'fd00::a'];
    const nft = await dryRun(args);
    const ipt = await dryRun([...args, '--backend', 'iptables']);
    expect(nft.match(/^table (ip|ip6) keybrake \{$/gm)).toEqual(['table ip keybrake {', 'table ip6 keybrake {']);
    for (const family of ['ipv4', 'ipv6'] as const) {
      const plan = planRedirect({ uid: 17777, port: 17001, dns: ['10.96.0.10', 'fd00::a'] }, family);
      // Every planned rule appears once per family in each rendering (its comment is its name).
      for (const r of plan) {
        expect(nft).toContain(`comment "${r.why}"`);
        expect(ipt).toContain(`--comment "${r.why}"`);
      }
    }
    expect(nft).toContain('ip daddr 10.96.0.10 udp dport 53 accept');
    expect(nft).toContain('ip6 daddr fd00::a udp dport 53 accept');
    expect(nft).not.toContain('ip daddr fd00::a');
    expect(ipt).toContain('-A KEYBRAKE_OUTPUT -m owner --uid-owner 17777 -m comment');
    expect(ipt.match(/^-A OUTPUT -j KEYBRAKE_OUTPUT$/gm)).toHaveLength(4); // nat and filter, two families
  });

  it('takes the cluster resolver from resolv.conf when --dns is not given', async () => {
    const file = resolvConf('search agents.svc.cluster.local svc.cluster.local\nnameserver 10.96.0.10\nnameserver fe80::1%eth0\noptions ndots:5\n');
    const out = await dryRun(['--uid', '17777', '--port', '17001', '--resolv-conf', file]);
    expect(out).toContain('ip daddr 10.96.0.10 udp dport 53 accept');
    expect(out).toContain('ip6 daddr fe80::1 udp dport 53 accept');
    expect(resolvConfNameservers('# nameserver 1.1.1.1\n')).toEqual([]);
  });

  it.each([
    [['--uid', '0', '--port', '17001', '--dns', '10.0.0.1'], "--uid must be the sidecar's non-root UID (1…4294967294), got 0"],
    [['--uid', '17777', '--port', '70000', '--dns', '10.0.0.1'], "--port must be the sidecar's data port (1…65535), got 70000"],
    [['--uid', '17777', '--port', '17001', '--dns', 'kube-dns'], '--dns expects IP addresses of the cluster resolver, got "kube-dns"'],
    [['--uid', '17777', '--port', '17001', '--dns', '10.0.0.1', '--backend', 'pf'], '--backend must be auto, nft or iptables, got "pf"'],
  ])('refuses %j, naming the flag', async (args, message) => {
    expect(await refusal(args)).toContain(message.split(' ')[0]);
  });

  it('refuses to guess the resolver when resolv.conf names none', async () => {
    const file = resolvConf('search svc.cluster.local\n');
    expect(await refusal(['--uid', '17777', '--port', '17001', '--resolv-conf', file])).toContain('names no nameserver');
  });
});
