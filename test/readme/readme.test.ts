// The README works as written: its quick start, its operator commands and its
// client snippets (stripe-node, twilio, resend, postmark, curl, Python
// requests) run exactly as printed, in a scratch copy of the repository,
// against fake vendors on loopback. What differs from a user's run, and only
// that: the data and admin ports are free ones instead of 17001/17020 (tests
// share the machine), and the proxy gets --upstream/--upstream-ca flags that
// send the vendor hosts to the fakes.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeVendor, type FakeVendor } from '../helpers/fake-vendor.ts';
import { stripeHandler } from '../helpers/fake-stripe.ts';
import { twilioHandler } from '../e2e/fakes/twilio.ts';
import { resendHandler } from '../e2e/fakes/resend.ts';
import { postmarkHandler } from '../e2e/fakes/postmark.ts';
import { freePort } from '../helpers/daemon.ts';
import { eventually } from '../helpers/proxy-harness.ts';
import { commands, extractSnippets, type Snippet } from './extract.ts';
import { policyFixtureWithKey } from '../fixtures/policies.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const snippets = extractSnippets(README);
const snippet = (name: string, arg?: string): Snippet => {
  const s = snippets.find((x) => x.name === name && (arg === undefined || x.args[0] === arg));
  if (!s) throw new Error(`README has no readme-test block ${name} ${arg ?? ''}`);
  return s;
};
const run = promisify(execFile);

const REAL = {
  stripe: 'sk_test_readme_real_key_only_the_proxy_has',
  twilio: `AC${'3'.repeat(32)}:readme_real_twilio_token`,
  resend: 're_readme_real_resend_key',
  postmark: 'readme-real-postmark-server-token',
};
const TWILIO_ACCOUNT_SID = `AC${'3'.repeat(32)}`;

/** The other vendors' entries the client snippets need, appended to the quick start's policy. */
const notifierPolicy = (sha256: string) => `---\n${policyFixtureWithKey('readme-notifier.yaml', sha256)}`;

let dir: string;
let fakes: Record<'stripe' | 'twilio' | 'resend' | 'postmark', FakeVendor>;
let proxy: ChildProcess | undefined;
let ports: { data: number; admin: number };
const proxyLines: string[] = [];

/** The README's text with the free ports in place of the documented ones. */
const onOurPorts = (text: string) => text.replaceAll('17001', String(ports.data)).replaceAll('17020', String(ports.admin));

function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PATH: `${path.join(dir, 'node_modules/.bin')}:${process.env.PATH}`,
    KEYBRAKE_ADMIN_URL: `http://127.0.0.1:${ports.admin}`,
    STRIPE_SECRET_KEY: REAL.stripe,
    TWILIO_ACCOUNT_SID,
    ...extra,
  };
}

async function sh(command: string, extra: Record<string, string> = {}): Promise<{ stdout: string; stderr: string }> {
  try {
    return await run('bash', ['-euo', 'pipefail', '-c', command], { cwd: dir, env: env(extra), timeout: 120_000 });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`README command failed: ${command}\n${e.stdout ?? ''}\n${e.stderr ?? e.message}`, { cause: err });
  }
}

function startProxy(command: string): Promise<void> {
  const upstreams = Object.entries({
    'api.stripe.com': fakes.stripe,
    'api.twilio.com': fakes.twilio,
    'api.resend.com': fakes.resend,
    'api.postmarkapp.com': fakes.postmark,
  });
  fs.writeFileSync(path.join(dir, 'fakes-ca.pem'), upstreams.map(([, f]) => f.caPem).join('\n'));
  const extra = [...upstreams.map(([host, f]) => `--upstream ${host}=${f.url}`), '--upstream-ca fakes-ca.pem'].join(' ');
  const listen = `--listen 127.0.0.1:${ports.data} --admin-listen 127.0.0.1:${ports.admin}`;
  return new Promise((resolve, reject) => {
    // Its own process group: `npx` runs the proxy as a grandchild, and the whole group must stop.
    const child = spawn('bash', ['-c', `exec ${command} ${listen} ${extra}`], { cwd: dir, env: env(), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    proxy = child;
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      proxyLines.push(line);
      if (line.includes('"msg":"keybrake proxy ready"')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`proxy exited ${code}: ${stderr}`)));
  });
}

beforeAll(async () => {
  const [stripe, twilio, resend, postmark] = await Promise.all([
    startFakeVendor(stripeHandler),
    startFakeVendor(twilioHandler),
    startFakeVendor(resendHandler),
    startFakeVendor(postmarkHandler),
  ]);
  fakes = { stripe, twilio, resend, postmark };
  ports = { data: await freePort(), admin: await freePort() };
  // A scratch copy of the repository as a user has it after `npm ci && npm run build`.
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keybrake-readme-'));
  fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(dir, 'package.json'));
  fs.cpSync(path.join(ROOT, 'examples'), path.join(dir, 'examples'), { recursive: true });
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  // `npm run build` of today's src/ into the copy: the worktree's dist/ may be stale, and npm test does not build it.
  const tsc = path.join(ROOT, 'node_modules/@typescript/native/bin/tsc');
  await run(process.execPath, [tsc, '-p', path.join(ROOT, 'tsconfig.build.json'), '--outDir', path.join(dir, 'dist')], { cwd: ROOT });
  fs.chmodSync(path.join(dir, 'dist/cli.js'), 0o755);
}, 180_000);

afterAll(async () => {
  if (proxy && proxy.exitCode === null) {
    const exited = new Promise((r) => proxy!.once('exit', r));
    process.kill(-proxy.pid!, 'SIGTERM');
    await exited;
  }
  await Promise.all(Object.values(fakes ?? {}).map((f) => f.close()));
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** Runs one client snippet as the README says to, with the README's environment block. */
async function runClient(s: Snippet): Promise<string> {
  const exports = onOurPorts(snippet('env').code);
  const [, file, ...envAssignments] = s.args;
  const prefix = envAssignments.join(' ');
  if (s.lang === 'sh') return (await sh(`${exports}\n${s.code}`)).stdout;
  if (file === undefined) throw new Error(`readme-test ${s.name} ${s.lang}: no file name after the snippet's name`);
  fs.writeFileSync(path.join(dir, file), s.code);
  const runner = s.lang === 'python' ? 'python3' : 'node';
  return (await sh(`${exports}\n${prefix} ${runner} ${file}`)).stdout;
}

describe('README', () => {
  it('is self-contained: no pointers to files a user does not have', () => {
    for (const file of ['README.md', ...fs.readdirSync(path.join(ROOT, 'docs')).map((f) => `docs/${f}`)]) {
      const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
      expect(text, file).not.toMatch(/\.\.\/shared|DESIGN\.md|design repo|perf-notes|vendor-specs|node:24-slim|node dist\/cli\.js|sudo bash/);
    }
  });

  it('quick start runs as written and the proxy comes up', { timeout: 180_000 }, async () => {
    const lines = commands(snippet('quickstart').code);
    expect(lines[0]).toBe('npm ci && npm run build'); // done by this test's setup: the scratch copy links the built repository
    const proxyLine = lines.at(-1)!;
    expect(proxyLine).toMatch(/^npx keybrake proxy /);
    for (const line of lines.slice(1, -1)) await sh(onOurPorts(line));
    expect(fs.statSync(path.join(dir, 'ca/ca.key')).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.join(dir, 'secrets/stripe-live/apiKey')).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(path.join(dir, 'policy.yaml'), 'utf8')).not.toContain('AGENT_KEY_SHA256');
    await startProxy(onOurPorts(proxyLine));
    const ready = await (await fetch(`http://127.0.0.1:${ports.admin}/readyz`)).json();
    expect(ready).toEqual({ ready: true, problems: [] });

    // The other vendors the client snippets use: their policy entries and Secrets, added while it runs.
    const key = fs.readFileSync(path.join(dir, 'agent.key'), 'utf8').trim();
    fs.appendFileSync(path.join(dir, 'policy.yaml'), notifierPolicy(crypto.createHash('sha256').update(key).digest('hex')));
    for (const [ref, value] of [
      ['twilio-live/credential', REAL.twilio],
      ['resend-live/apiKey', REAL.resend],
      ['postmark-live/serverToken', REAL.postmark],
    ] as const) {
      fs.mkdirSync(path.join(dir, 'secrets', path.dirname(ref)), { recursive: true });
      fs.writeFileSync(path.join(dir, 'secrets', ref), value);
    }
    await eventually(async () => {
      const status = (await (await fetch(`http://127.0.0.1:${ports.admin}/status`)).json()) as { policy: { names: string[] } };
      expect(status.policy.names).toContain('notifier');
    }, 10_000);
  });

  const seenBy = (fake: FakeVendor, n: number) => fake.received.slice(n);
  /** One refund POST (after the GET that reads the charge's currency), every request with the real key. */
  const refundReachedStripe = (before: number) => {
    const got = seenBy(fakes.stripe, before);
    expect(got.filter((r) => r.method === 'POST' && r.path === '/v1/refunds')).toHaveLength(1);
    for (const r of got) expect(r.headers.authorization).toBe(`Bearer ${REAL.stripe}`);
  };

  it('stripe-node snippet: the refund goes through with the real key, only via the proxy', async () => {
    const before = fakes.stripe.received.length;
    const out = await runClient(snippet('client', 'stripe-node'));
    expect(out).toMatch(/^re_\w+ 1200$/m);
    refundReachedStripe(before);
  });

  it('twilio snippet', async () => {
    const before = fakes.twilio.received.length;
    expect(await runClient(snippet('client', 'twilio'))).toMatch(/^SM\w+$/m);
    const got = seenBy(fakes.twilio, before);
    expect(got).toHaveLength(1);
    expect(got[0]!.headers.authorization).toBe(`Basic ${Buffer.from(REAL.twilio).toString('base64')}`);
  });

  it('resend snippet', async () => {
    const before = fakes.resend.received.length;
    expect((await runClient(snippet('client', 'resend'))).trim()).not.toBe('');
    expect(seenBy(fakes.resend, before)[0]?.headers.authorization).toBe(`Bearer ${REAL.resend}`);
  });

  it('postmark snippet', async () => {
    const before = fakes.postmark.received.length;
    expect((await runClient(snippet('client', 'postmark'))).trim()).not.toBe('');
    expect(seenBy(fakes.postmark, before)[0]?.headers['x-postmark-server-token']).toBe(REAL.postmark);
  });

  it('curl snippet', async () => {
    const before = fakes.stripe.received.length;
    expect(JSON.parse(await runClient(snippet('client', 'curl')))).toMatchObject({ object: 'refund', amount: 1200 });
    refundReachedStripe(before);
  });

  it('Python requests snippet', async () => {
    const before = fakes.stripe.received.length;
    expect(await runClient(snippet('client', 'python'))).toMatch(/^re_\w+$/m);
    refundReachedStripe(before);
  });

  it('operator commands run as written: status, kill, revive, audit', async () => {
    const [status, kill, revive, audit] = commands(snippet('operate').code);
    if (!status || !kill || !revive || !audit) throw new Error('expected four operator commands in the README: status, kill, revive, audit');
    expect((await sh(status)).stdout).toMatch(/^READY\s+yes$/m);
    await sh(kill);
    expect((await sh(status)).stdout).toMatch(/^KILLED\s+yes, by api .*refund loop on ticket T-1001$/m);
    await sh(revive);
    expect((await sh(status)).stdout).toMatch(/^KILLED\s+no$/m);
    const calls = (await sh(audit)).stdout;
    expect(calls).toMatch(/refunds\.create\s+allowed/);
    expect(calls).toMatch(/messages\.create\s+allowed/);
  }, 180_000);
});
