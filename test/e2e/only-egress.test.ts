// The only-egress guarantee, for real: an "agent pod" network namespace and a
// "world" one, the init container's rules applied with the real nft (and, in
// the second pass, legacy iptables as the fallback picks it), `keybrake proxy`
// running as UID 17777, and an agent under another UID using the official
// Stripe, Twilio and Resend SDKs with no proxy configuration: only the CA
// bundle in its environment and a hosts file mapping the vendors into the world.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newAgentKey } from '../../src/commands/keys.ts';
import { ADDR, createTopology, must, runJson, startLines, type LineProcess, type Topology } from '../redirect/netns.ts';
import type { WorldConfig } from '../redirect/world.ts';
import type { Scenario } from '../redirect/agent.ts';
import { policyFixtureWithKey } from '../fixtures/policies.ts';
import { proxyArgs, writeProxyDir } from '../helpers/proxy-dir.ts';
import { generateCa } from '../../src/pki/ca.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const NODE = process.execPath;
const SIDECAR_UID = 17777;
const AGENT_UID = 1000;
const DATA_PORT = 17001;
const VENDOR_PORT = 8443;
const VENDORS = ['api.stripe.com', 'api.twilio.com', 'api.resend.com'];

const REAL = {
  stripe: 'sk_live_real_stripe_key_only_the_sidecar_has',
  twilioAccount: `AC${'1'.repeat(32)}`,
  twilioToken: 'real_twilio_auth_token_only_the_sidecar_has',
  resend: 're_real_resend_key_only_the_sidecar_has',
};

/** A directory of symlinks to the legacy iptables tools and nothing else: a PATH with no nft. */
function legacyOnlyPath(dir: string): string {
  const bin = path.join(dir, 'legacy-bin');
  fs.mkdirSync(bin);
  for (const tool of ['iptables-legacy', 'iptables-legacy-restore', 'ip6tables-legacy', 'ip6tables-legacy-restore']) {
    fs.symlinkSync(must('sh', ['-c', `command -v ${tool}`]).trim(), path.join(bin, tool));
  }
  return bin;
}

describe.each([
  { backend: 'nft', pathFor: (_dir: string) => process.env.PATH! },
  { backend: 'iptables', pathFor: legacyOnlyPath },
])('only egress through the sidecar ($backend backend)', ({ backend, pathFor }) => {
  const agentKey = newAgentKey();
  let dir: string;
  let topo: Topology | undefined;
  let world: LineProcess | undefined;
  let sidecar: LineProcess | undefined;
  let rulesPrinted = '';
  let bundle: string;
  let hosts: string;

  const inPod = (...args: string[]) => ['ip', 'netns', 'exec', topo!.pod, ...args];
  /** A process in the pod: its own mount namespace with the hosts file, under `uid`, with only the CA bundle in its environment. */
  const agent = (uid: number, scenario: Scenario) =>
    runJson(
      inPod(
        'unshare',
        '--mount',
        '--propagation',
        'private',
        'sh',
        '-c',
        `mount --bind "$0" /etc/hosts && exec setpriv --reuid=${uid} --regid=${uid} --clear-groups -- "$1" "$2" "$3"`,
        hosts,
        NODE,
        path.join(ROOT, 'test/redirect/agent.ts'),
        JSON.stringify(scenario),
      ),
      { PATH: process.env.PATH, SSL_CERT_FILE: bundle, NODE_EXTRA_CA_CERTS: bundle },
    );
  const seen = (event: string) => world!.lines.filter((l) => l.event === event);

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keybrake-egress-'));
    fs.chmodSync(dir, 0o755);
    topo = createTopology();

    const cfg: WorldConfig = {
      vendorIp: ADDR.world,
      vendorPort: VENDOR_PORT,
      tcp: [
        [ADDR.world, 443],
        [ADDR.world, 9999],
        [ADDR.resolver, 9999],
        [ADDR.world6, 9999],
      ],
      udp: [[ADDR.world, 443]],
      dns: [ADDR.resolver, ADDR.world],
      answer: ADDR.world,
    };
    world = startLines('ip', ['netns', 'exec', topo.world, NODE, path.join(ROOT, 'test/redirect/world.ts'), JSON.stringify(cfg)], process.env);
    const ready = await world.waitFor((l) => l.event === 'ready', 'world ready');

    // The init container's job, as root in the pod: twice, as a restarted init container would.
    const initEnv = { PATH: pathFor(dir) };
    for (let i = 0; i < 2; i++) {
      // The absolute path: PATH is the init container's, which may lack nft.
      rulesPrinted = must(
        must('sh', ['-c', 'command -v ip']).trim(),
        [
          'netns',
          'exec',
          topo.pod,
          NODE,
          path.join(ROOT, 'src/cli.ts'),
          'init-redirect',
          '--uid',
          String(SIDECAR_UID),
          '--port',
          String(DATA_PORT),
          '--dns',
          ADDR.resolver,
        ],
        { env: initEnv },
      );
    }

    // The sidecar's files, readable by its UID only where it matters.
    const own = (p: string) => fs.chownSync(p, SIDECAR_UID, SIDECAR_UID);
    const secrets = {
      'stripe-live/apiKey': REAL.stripe,
      'twilio-live/credential': `${REAL.twilioAccount}:${REAL.twilioToken}`,
      'resend-live/apiKey': REAL.resend,
    };
    writeProxyDir(dir, {
      policyYaml: policyFixtureWithKey('only-egress.yaml', agentKey.sha256),
      caDir: 'ca',
      ca: generateCa({ commonName: 'keybrake mesh CA (egress test)' }),
      secrets,
      upstreamCaPems: [String(ready.caPem)],
    });
    own(path.join(dir, 'ca/ca.key'));
    for (const ref of Object.keys(secrets)) own(path.join(dir, 'secrets', ref));
    for (const d of ['state', 'bundle']) {
      fs.mkdirSync(path.join(dir, d), { mode: 0o755 });
      own(path.join(dir, d));
    }
    bundle = path.join(dir, 'bundle/ca-bundle.crt');
    hosts = path.join(dir, 'hosts');
    fs.writeFileSync(hosts, `127.0.0.1 localhost\n${VENDORS.map((h) => `${ADDR.world} ${h}`).join('\n')}\n`);

    sidecar = startLines(
      'ip',
      [
        'netns',
        'exec',
        topo.pod,
        'setpriv',
        `--reuid=${SIDECAR_UID}`,
        `--regid=${SIDECAR_UID}`,
        '--clear-groups',
        '--',
        NODE,
        path.join(ROOT, 'src/cli.ts'),
        ...proxyArgs(
          dir,
          {
            caDir: 'ca',
            listen: `127.0.0.1:${DATA_PORT}`,
            adminListen: '127.0.0.1:17020',
            upstreams: VENDORS.map((h) => ({ host: h, url: `https://${ADDR.world}:${VENDOR_PORT}` })),
          },
          ['--ledger', 'memory', '--audit', 'none', '--ca-bundle-out', bundle],
        ),
      ],
      { PATH: process.env.PATH },
    );
    await sidecar.waitFor((l) => l.msg === 'keybrake proxy ready', 'sidecar ready');
  }, 180_000);

  afterAll(async () => {
    try {
      await Promise.all([sidecar?.stop(), world?.stop()]);
    } finally {
      topo?.destroy();
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("applies the init command's rules with the expected backend, prints them, and a re-run replaces rather than stacks them", () => {
    if (backend === 'nft') {
      expect(rulesPrinted).toContain('applied with nft');
      expect(rulesPrinted).toContain(`meta skuid ${SIDECAR_UID} return`);
      expect(rulesPrinted).toContain(`meta l4proto tcp redirect to :${DATA_PORT}`);
      const live = must('ip', ['netns', 'exec', topo!.pod, 'nft', 'list', 'ruleset']);
      expect(live.match(/redirect to :17001/g)).toHaveLength(2); // one per family
    } else {
      expect(rulesPrinted).toContain('nft backend unavailable (nft is not installed); fell back to legacy iptables');
      expect(rulesPrinted).toContain(`-j REDIRECT --to-ports ${DATA_PORT}`);
      for (const tool of ['iptables-legacy-save', 'ip6tables-legacy-save']) {
        const live = must('ip', ['netns', 'exec', topo!.pod, tool, '-t', 'nat']);
        expect(live.match(/-A OUTPUT -j KEYBRAKE_OUTPUT/g)).toHaveLength(1);
      }
      expect(must('ip', ['netns', 'exec', topo!.pod, 'nft', 'list', 'ruleset'])).not.toContain('keybrake');
    }
  });

  it('governs the unmodified SDKs as in explicit mode: allowed calls leave with the real key, denied ones never leave', async () => {
    const out = await agent(AGENT_UID, { kind: 'sdks', key: agentKey.key, twilioAccount: REAL.twilioAccount });
    expect(out.uid).toBe(AGENT_UID);
    const r = out.result;
    expect(r.stripeAllowed).toEqual({ ok: true, value: { amount: 1200 } });
    expect(r.stripeDenied.ok).toBe(false);
    expect(r.stripeDenied.error).toMatchObject({ type: 'StripePermissionError', code: 'keybrake_rule_denied' });
    expect(r.stripeDenied.error.message).toContain('partial-refunds-on-tickets');
    expect(r.twilioAllowed.ok).toBe(true);
    expect(r.twilioAllowed.value.sid).toMatch(/^SM/);
    expect(r.twilioDenied.ok).toBe(false);
    expect(r.twilioDenied.error.message).toContain('sms-to-us');
    expect(r.resendAllowed.error).toBeNull();
    expect(r.resendDenied.data).toBeNull();
    expect(r.resendDenied.error).toMatchObject({ statusCode: 403, name: 'validation_error' });

    // What reached the vendors: the three allowed calls (and the sidecar's own look-up of the charge
    // it refunds), from the pod's address, all with the real credentials.
    const arrived = seen('https');
    const posts = arrived.filter((e) => e.method === 'POST');
    expect(posts.map((e) => `${e.method} ${String(e.path).split('?')[0]}`)).toEqual([
      'POST /v1/refunds',
      `POST /2010-04-01/Accounts/${REAL.twilioAccount}/Messages.json`,
      'POST /emails',
    ]);
    expect(posts.map((e) => e.authorization)).toEqual([
      `Bearer ${REAL.stripe}`,
      `Basic ${Buffer.from(`${REAL.twilioAccount}:${REAL.twilioToken}`).toString('base64')}`,
      `Bearer ${REAL.resend}`,
    ]);
    for (const e of arrived) {
      expect(e.from).toBe(ADDR.pod);
      if (String(e.path).startsWith('/v1/')) expect(e.authorization).toBe(`Bearer ${REAL.stripe}`);
    }
    expect(JSON.stringify(world!.lines)).not.toContain(agentKey.key);
    // No SDK ever reached the vendors' address on 443 itself: every connection went to the sidecar.
    expect(seen('tcp').filter((e) => String(e.local).endsWith(':443'))).toEqual([]);
  });

  it('sends raw TCP to any other port or address to the sidecar (root in the pod included); only UID 17777 goes straight out', async () => {
    for (const [uid, host] of [
      [AGENT_UID, ADDR.world],
      [0, ADDR.resolver],
    ] as const) {
      const out = await agent(uid, { kind: 'tcp', host, port: 9999, send: `escape attempt by ${uid}\n` });
      expect(out.result.reply).toContain('keybrake: plain HTTP is refused');
    }
    const direct = await agent(SIDECAR_UID, { kind: 'tcp', host: ADDR.world, port: 9999, send: 'sidecar uid\n' });
    expect(direct.result.reply).toBe('world says hello\n');
    await world!.waitFor((l) => l.event === 'tcp' && l.data === 'sidecar uid\n', 'the sidecar UID connection');
    expect(seen('tcp').map((e) => e.data)).toEqual(['sidecar uid\n']);
  });

  it('drops UDP to 443 (QUIC) from the agent; the sidecar UID gets through', async () => {
    const out = await agent(AGENT_UID, { kind: 'udp', host: ADDR.world, port: 443, send: 'quic from the agent' });
    expect(out.result).toEqual({ sent: false, error: 'EPERM' });
    const direct = await agent(SIDECAR_UID, { kind: 'udp', host: ADDR.world, port: 443, send: 'udp from the sidecar uid' });
    expect(direct.result).toEqual({ sent: true });
    await world!.waitFor((l) => l.event === 'udp', 'the sidecar UID datagram');
    expect(seen('udp').map((e) => e.data)).toEqual(['udp from the sidecar uid']);
  });

  it('keeps IPv6 in as well: a connection to an IPv6 address never reaches it', async () => {
    const out = await agent(AGENT_UID, { kind: 'tcp', host: ADDR.world6, port: 9999, send: 'v6 from the agent\n' });
    // Redirected to the data port on ::1, where the sidecar does not listen: refused inside the pod.
    expect(out.result).toEqual({ connected: false, error: 'ECONNREFUSED' });
    const direct = await agent(SIDECAR_UID, { kind: 'tcp', host: ADDR.world6, port: 9999, send: 'v6 from the sidecar uid\n' });
    expect(direct.result.reply).toBe('world says hello\n');
    await world!.waitFor((l) => l.event === 'tcp' && l.data === 'v6 from the sidecar uid\n', 'the sidecar UID IPv6 connection');
    expect(
      seen('tcp')
        .filter((e) => String(e.from).includes(':'))
        .map((e) => e.data),
    ).toEqual(['v6 from the sidecar uid\n']);
  });

  it('lets DNS reach the cluster resolver only', async () => {
    const cluster = await agent(AGENT_UID, { kind: 'dns', server: ADDR.resolver, name: 'api.stripe.com' });
    expect(cluster.result).toEqual({ answered: true, address: ADDR.world });
    const other = await agent(AGENT_UID, { kind: 'dns', server: ADDR.world, name: 'api.stripe.com' });
    expect(other.result).toEqual({ answered: false, error: 'EPERM' });
    const direct = await agent(SIDECAR_UID, { kind: 'dns', server: ADDR.world, name: 'api.stripe.com' });
    expect(direct.result).toEqual({ answered: true, address: ADDR.world });
    expect(seen('dns').map((e) => e.local)).toEqual([ADDR.resolver, ADDR.world]);
  });
});
