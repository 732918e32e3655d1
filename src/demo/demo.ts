// `keybrake demo`: a fake Stripe on loopback, the proxy with examples/policy.yaml,
// and the official stripe SDK driven through it as an agent would.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { generateCa } from '../pki/ca.ts';
import { startProxy } from '../app/proxy.ts';
import { filePolicySource } from '../commands/policy-setup.ts';
import { newAgentKey } from '../commands/keys.ts';
import { startFakeVendor } from './fake-vendor.ts';
import { stripeHandler } from './fake-stripe.ts';
import { printAudit, say, step } from './story.ts';
import { runCommand, type CommandSpec } from '../commands/flags.ts';
import { DemoStripe } from './agent-client.ts';

const REAL_KEY = 'sk_test_demo_real_key_only_the_sidecar_sees';
const EXAMPLE = path.resolve(import.meta.dirname, '../../examples/policy.yaml');

const SPEC: CommandSpec = {
  command: 'keybrake demo',
  usage: 'keybrake demo',
  summary:
    'Run the end-to-end story on loopback: a fake Stripe, a proxy with examples/policy.yaml, and a small Stripe\n' +
    'client as the agent: an allowed refund, a rule refusal, a call no rule allows, a cap, a kill mid-flight.\n' +
    'Nothing leaves the machine; everything it creates is removed at the end.',
  flags: [],
};

export function runDemo(argv: string[]): Promise<number> {
  return runCommand(SPEC, argv, () => playDemo());
}

async function playDemo(): Promise<number> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keybrake-demo-'));
  const auditLines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) {
        const obj = JSON.parse(line);
        if (obj.msg === 'audit') auditLines.push(obj.audit);
      }
      done();
    },
  });
  const fake = await startFakeVendor(stripeHandler);
  const agent = newAgentKey();
  const ca = generateCa({ commonName: 'keybrake demo mesh CA' });
  fs.mkdirSync(path.join(dir, 'secrets/stripe-live'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'secrets/stripe-live/apiKey'), REAL_KEY);
  const policyFile = path.join(dir, 'policy.yaml');
  fs.writeFileSync(policyFile, fs.readFileSync(EXAMPLE, 'utf8').replace('AGENT_KEY_SHA256', agent.sha256));
  const log = pino({ level: 'info' }, sink);
  const proxy = await startProxy({
    policySource: filePolicySource(policyFile, log),
    caCertPem: ca.certPem,
    caKeyPem: ca.keyPem,
    secretsDir: path.join(dir, 'secrets'),
    stateDir: path.join(dir, 'state'),
    listen: { host: '127.0.0.1', port: 0 },
    adminListen: { host: '127.0.0.1', port: 0 },
    upstreams: new Map([['api.stripe.com', fake.url]]),
    upstreamCaPem: fake.caPem,
    log,
  });
  const stripe = new DemoStripe(agent.key, proxy.address.port, ca.certPem);
  const admin = `http://127.0.0.1:${proxy.adminAddress.port}`;
  try {
    say(`keybrake demo — fake Stripe at ${fake.url}, proxy at 127.0.0.1:${proxy.address.port}`);
    say(`The agent holds only ${agent.key.slice(0, 6)}…; the real key stays in the proxy's secrets dir.\n`);

    await step('1. The agent refunds $12.00 on ticket T-1001', async () => {
      const r = await stripe.post('/v1/refunds', { charge: 'ch_demo', amount: 1200, metadata: { ticket_id: 'T-1001' } });
      const seen = fake.received.at(-1)?.headers.authorization;
      return `allowed: ${String(r.id)} for $${(Number(r.amount) / 100).toFixed(2)}; Stripe saw "${seen?.slice(0, 16)}…", never the agent key`;
    });
    await step('2. The agent tries to refund $90.00 (rule max is $50.00)', () =>
      stripe.post('/v1/refunds', { charge: 'ch_demo', amount: 9000, metadata: { ticket_id: 'T-1002' } }).then(() => 'allowed?!'),
    );
    await step('3. The agent tries a $500.00 payout (no rule allows payouts)', () =>
      stripe.post('/v1/payouts', { amount: 50000, currency: 'usd' }).then(() => 'allowed?!'),
    );
    await step('4. Another $40.00 refund: it would cross the $50.00 daily cap', () =>
      stripe.post('/v1/refunds', { charge: 'ch_demo', amount: 4000, metadata: { ticket_id: 'T-1003' } }).then(() => 'allowed?!'),
    );
    await step('5. A refund is in flight (Stripe is slow) when an operator hits the kill switch', async () => {
      fake.hold((r) => r.method === 'POST');
      const posts = () => fake.received.filter((r) => r.method === 'POST').length;
      const before = posts();
      const inflight = stripe.post('/v1/refunds', { charge: 'ch_demo', amount: 500, metadata: { ticket_id: 'T-1004' } });
      while (posts() === before) await new Promise((r) => setTimeout(r, 5));
      await fetch(`${admin}/kill`, { method: 'POST', body: JSON.stringify({ reason: 'demo: operator pressed the big red button' }) });
      const outcome = await inflight.then(
        () => 'completed?!',
        (e: Error) => e.message.split('\n')[0],
      );
      fake.release();
      return `connection cut mid-flight: ${outcome}`;
    });
    await step('6. The agent retries', () =>
      stripe.post('/v1/refunds', { charge: 'ch_demo', amount: 500, metadata: { ticket_id: 'T-1004' } }).then(() => 'allowed?!'),
    );
    await new Promise((r) => setTimeout(r, 100));
    printAudit(auditLines);
    return 0;
  } finally {
    await stripe.close();
    await proxy.close();
    await fake.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
