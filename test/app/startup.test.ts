// A proxy starts completely or not at all: every listener and store the
// configuration asks for, or a non-zero exit naming the flag. Real processes,
// real sockets.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectAgent } from '../helpers/connect-agent.ts';
import { CLI, keybrakeWith as keybrake } from '../helpers/keybrake-cli.ts';
import { startFakeVendor, type FakeVendor } from '../helpers/fake-vendor.ts';
import { stripeHandler } from '../helpers/fake-stripe.ts';
import { agentKey, startHarness } from '../helpers/proxy-harness.ts';
import { proxyArgs, writeProxyDir } from '../helpers/proxy-dir.ts';
import { stripePolicy, REAL_STRIPE_KEY } from '../e2e/policies.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'keybrake-startup-'));
writeProxyDir(tmp, { policyYaml: stripePolicy(agentKey().sha256) });
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** `proxy` on the files in tmp with its own state dir; each test adds its listeners. */
const base = (stateDir: string) => proxyArgs(tmp, { stateDir, listen: null, adminListen: null });

async function occupy(): Promise<{ port: number; close(): Promise<void> }> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as net.AddressInfo).port, close: () => new Promise((r) => server.close(() => r())) };
}

describe('a proxy that cannot start everything exits non-zero naming the flag', () => {
  it('the admin port is taken: exit 1, --admin-listen named, the data port never served', async () => {
    const taken = await occupy();
    try {
      const r = await keybrake([...base('s1'), '--listen', '127.0.0.1:0', '--admin-listen', `127.0.0.1:${taken.port}`]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`--admin-listen 127.0.0.1:${taken.port}: address already in use`);
    } finally {
      await taken.close();
    }
  });

  it('the data port is taken: exit 1, --listen named', async () => {
    const taken = await occupy();
    try {
      const r = await keybrake([...base('s2'), '--listen', `127.0.0.1:${taken.port}`, '--admin-listen', '127.0.0.1:0']);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`--listen 127.0.0.1:${taken.port}: address already in use`);
    } finally {
      await taken.close();
    }
  });

  it('a CA path that is a directory names --ca-cert, not EISDIR', async () => {
    const r = await keybrake([...base('s3').slice(0, 5), '--ca-cert', tmp, '--ca-key', path.join(tmp, 'ca.key')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`--ca-cert: ${tmp} is a directory, not a file`);
    expect(r.stderr).not.toContain('EISDIR');
  });

  it('a ledger file that cannot be opened names --state-dir, not "unable to open database file" alone', async () => {
    fs.mkdirSync(path.join(tmp, 's4', 'ledger.sqlite'), { recursive: true }); // a directory where the database file goes
    const r = await keybrake([...base('s4'), '--listen', '127.0.0.1:0', '--admin-listen', '127.0.0.1:0']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--state-dir: cannot open the sqlite ledger: /);
  });

  it('a state dir that cannot be a directory names --state-dir', async () => {
    fs.writeFileSync(path.join(tmp, 'a-file'), '');
    const r = await keybrake([...base('a-file/state'), '--listen', '127.0.0.1:0', '--admin-listen', '127.0.0.1:0']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`--state-dir: ${path.join(tmp, 'a-file/state')} is not a directory`);
  });

  it('a malformed --audit names the flag', async () => {
    const r = await keybrake([...base('s5'), '--audit', 'mysql://db', '--listen', '127.0.0.1:0', '--admin-listen', '127.0.0.1:0']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--audit: cannot open the audit store');
  });
});

describe('a proxy loads only the stores it is configured for', () => {
  it('the default SQLite ledger and audit load neither ioredis nor pg', async () => {
    const trace = path.join(tmp, 'proxy-loads.txt');
    const hook = path.resolve(import.meta.dirname, '../cli/fixtures/trace-loads.mjs');
    const args = ['--import', hook, CLI, ...base('s6'), '--listen', '127.0.0.1:0', '--admin-listen', '127.0.0.1:0'];
    const child = spawn(process.execPath, args, { env: { ...process.env, KEYBRAKE_TRACE_LOADS: trace }, stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = once(child, 'exit');
    let out = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d) => {
        out += d;
        if (out.includes('"msg":"keybrake proxy ready"')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`proxy exited ${code} before ready: ${out}`)));
    });
    child.kill('SIGTERM');
    await exited;
    const loaded = fs.readFileSync(trace, 'utf8');
    expect(loaded).toMatch(/\/src\/ledger\/sqlite\.ts/); // the trace saw the stores it did open
    expect(loaded).not.toMatch(/node_modules\/(ioredis|pg)\//);
  });
});

describe('--max-body is a size, and it is enforced', () => {
  let fake: FakeVendor;
  beforeAll(async () => {
    fake = await startFakeVendor(stripeHandler);
  });
  afterAll(() => fake.close());

  for (const size of ['1MB', '1MiB', '1000000']) {
    it(`--max-body ${size}: a 3 MB body is refused with 413 and never forwarded`, async () => {
      const agent = agentKey();
      const h = await startHarness({
        policyYaml: stripePolicy(agent.sha256),
        upstreams: [{ host: 'api.stripe.com', url: fake.url, caPem: fake.caPem }],
        secrets: { 'stripe-live/apiKey': REAL_STRIPE_KEY },
        args: ['--max-body', size],
      });
      try {
        const before = fake.received.length;
        const body = `charge=ch_1&amount=100&metadata[ticket_id]=T-1&metadata[pad]=${'x'.repeat(3_000_000)}`;
        const status = await new Promise<number>((resolve, reject) => {
          const req = https.request(
            {
              host: 'api.stripe.com',
              path: '/v1/refunds',
              method: 'POST',
              agent: connectAgent(h.port, h.caPem),
              headers: { authorization: `Bearer ${agent.key}`, 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) },
            },
            (res) => (res.resume(), resolve(res.statusCode ?? 0)),
          );
          req.on('error', reject);
          req.end(body);
        });
        expect(status).toBe(413);
        expect(fake.received.length).toBe(before);
      } finally {
        await h.cleanup();
      }
    });
  }
});
