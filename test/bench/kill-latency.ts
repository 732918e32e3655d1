// Kill latency, a product figure (issue 6): how long an agent's in-flight call
// survives once someone pulls the brake. Each trial holds one agent request in
// flight (the fake vendor withholds its response), triggers the kill, and
// times until the agent's connection is closed; then revives with the admin
// token for the next trial. Two triggers: POST /kill, and an Alertmanager v4
// webhook POST to /alertmanager with the bearer token (sent directly: the
// figure is the proxy's, not Alertmanager's group_wait).
//
// The proxy is a real `keybrake proxy` process (the test harness), not an
// in-process startProxy: in one process the agent, the admin client and the
// proxy would share an event loop, so the agent's socket events would queue
// behind the proxy's work and vice versa. A separate process is the sidecar
// as deployed, and the clock runs where the agent is.
//
// The admin client is a pre-warmed keep-alive connection, so t0 → close is the
// kill, not TCP set-up or client start-up.
import http from 'node:http';
import https from 'node:https';
import { startFakeVendor, type FakeVendor } from '../helpers/fake-vendor.ts';
import { stripeHandler } from '../helpers/fake-stripe.ts';
import { agentKey, startHarness, type Harness } from '../helpers/proxy-harness.ts';
import { REAL_STRIPE_KEY, stripePolicy } from '../e2e/policies.ts';
import { percentile } from './stats.ts';

const TRIALS = 100;
/** Not counted: JIT, TLS session and pool warm-up on both sides. */
const WARMUP_TRIALS = 10;
const ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef';
const AM_TOKEN = 'bench-alertmanager-token-0123456789';
const POLICY = 'support-refunds'; // the policy name in stripePolicy()
const CUT_DEADLINE_MS = 5_000;

export interface KillLatency {
  trigger: string;
  /** Milliseconds from sending the trigger to the agent's connection closing, one per trial. */
  samplesMs: number[];
  /** Milliseconds from sending the trigger to its 2xx answer (the kill is persisted by then), same trials. */
  answeredMs: number[];
}

interface Bench {
  fake: FakeVendor;
  proxy: Harness;
  agent: { key: string };
  admin: AdminClient;
}

/** Measures both triggers over `trials` trials each, on one proxy process. */
export async function measureKillLatency(trials = TRIALS): Promise<KillLatency[]> {
  const agent = agentKey();
  const fake = await startFakeVendor(stripeHandler);
  let proxy: Harness | undefined;
  let admin: AdminClient | undefined;
  try {
    proxy = await startHarness({
      process: true, // see above: the sidecar as deployed
      policyYaml: stripePolicy(agent.sha256),
      upstreams: [{ host: 'api.stripe.com', url: fake.url, caPem: fake.caPem }],
      secrets: {
        'stripe-live/apiKey': REAL_STRIPE_KEY,
        'keybrake-admin/token': ADMIN_TOKEN,
        'keybrake-admin/alertmanager-token': AM_TOKEN,
      },
      args: ['--audit', 'none'], // the bench measures the kill, not audit writes of the cut calls
    });
    admin = new AdminClient(proxy.adminPort);
    await admin.send('GET', '/healthz'); // opens the keep-alive connection before any t0
    const bench: Bench = { fake, proxy, agent, admin };
    const results: KillLatency[] = [];
    for (const [trigger, fire] of TRIGGERS) {
      for (let i = 0; i < WARMUP_TRIALS; i++) await trial(bench, fire);
      const result: KillLatency = { trigger, samplesMs: [], answeredMs: [] };
      for (let i = 0; i < trials; i++) {
        const t = await trial(bench, fire);
        result.samplesMs.push(t.closedMs);
        result.answeredMs.push(t.answeredMs);
      }
      results.push(result);
    }
    return results;
  } finally {
    admin?.close();
    await proxy?.cleanup();
    await fake.close();
  }
}

type Trigger = (admin: AdminClient) => Promise<void>;

/** One trial: a call held in flight, the trigger, the agent's connection closing; then revive. */
async function trial(b: Bench, fire: Trigger): Promise<{ closedMs: number; answeredMs: number }> {
  b.fake.hold();
  const arrived = b.fake.received.length + 1;
  const closed = heldCall(b);
  await b.fake.waitFor(arrived); // in flight at the vendor: the proxy has an open upstream request
  const t0 = process.hrtime.bigint();
  const [closedAt, answeredAt] = await Promise.all([
    deadline(closed, CUT_DEADLINE_MS, 'the held call was not cut'),
    fire(b.admin).then(() => process.hrtime.bigint()),
  ]);
  b.fake.release();
  await revive(b.admin);
  return { closedMs: Number(closedAt - t0) / 1e6, answeredMs: Number(answeredAt - t0) / 1e6 };
}

/** An agent request on a fresh connection (transparent mode, SNI api.stripe.com); resolves with the time its socket closes. */
function heldCall(b: Bench): Promise<bigint> {
  return new Promise((resolve, reject) => {
    const req = https.request({
      host: '127.0.0.1',
      port: b.proxy.port,
      servername: 'api.stripe.com',
      ca: b.proxy.caPem,
      agent: false,
      method: 'GET',
      path: '/v1/customers',
      headers: { host: 'api.stripe.com', authorization: `Bearer ${b.agent.key}` },
    });
    req.on('socket', (s) => s.once('close', () => resolve(process.hrtime.bigint())));
    req.on('response', () => reject(new Error('the held call got a response: the kill did not cut it')));
    req.on('error', () => {}); // the reset is the expected outcome
    req.end();
  });
}

/** A kill that does not cut the call would otherwise hang the bench forever. */
function deadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms of the trigger`)), ms)));
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

async function killViaApi(admin: AdminClient): Promise<void> {
  const r = await admin.send('POST', '/kill', {}, JSON.stringify({ reason: 'kill-latency bench' }));
  if (r.status !== 200) throw new Error(`POST /kill answered ${r.status}: ${r.body}`);
}

// Built once: the trial times the proxy's handling, not JSON.stringify.
const WEBHOOK = JSON.stringify({
  version: '4',
  status: 'firing',
  receiver: 'keybrake-kill',
  groupKey: '{}/{keybrake_action="kill"}:{alertname="KeybrakeSpendRateHigh"}',
  groupLabels: { alertname: 'KeybrakeSpendRateHigh' },
  commonLabels: {},
  commonAnnotations: {},
  externalURL: 'http://alertmanager.invalid',
  alerts: [
    {
      status: 'firing',
      labels: { alertname: 'KeybrakeSpendRateHigh', keybrake_action: 'kill', keybrake_policy: POLICY, severity: 'critical' },
      annotations: { summary: `policy ${POLICY} is spending 900.00 usd/h on stripe` },
      startsAt: new Date().toISOString(),
      endsAt: '0001-01-01T00:00:00Z',
      fingerprint: 'bench',
    },
  ],
});

async function killViaAlertmanager(admin: AdminClient): Promise<void> {
  const r = await admin.send('POST', '/alertmanager', { authorization: `Bearer ${AM_TOKEN}`, 'content-type': 'application/json' }, WEBHOOK);
  if (r.status !== 200 || !(JSON.parse(r.body) as { killed?: boolean }).killed) throw new Error(`POST /alertmanager did not kill: ${r.status} ${r.body}`);
}

const TRIGGERS: ReadonlyArray<[name: string, fire: Trigger]> = [
  ['POST /kill', killViaApi],
  ['POST /alertmanager', killViaAlertmanager],
];

async function revive(admin: AdminClient): Promise<void> {
  const r = await admin.send('POST', '/revive', { authorization: `Bearer ${ADMIN_TOKEN}` });
  if (r.status !== 200) throw new Error(`POST /revive answered ${r.status}: ${r.body}`);
}

/** node:http over one keep-alive connection to the admin listener. */
class AdminClient {
  readonly #port: number;
  readonly #agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

  constructor(port: number) {
    this.#port = port;
  }

  send(method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: this.#port, method, path, agent: this.#agent, headers }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  close(): void {
    this.#agent.destroy();
  }
}

function formatRow(label: string, samplesMs: readonly number[]): string {
  const cell = (p: number) => `${percentile(samplesMs, p).toFixed(2).padStart(8)} ms`;
  return `  ${label.padEnd(40)}${cell(50)}${cell(90)}${cell(99)}${cell(100)}`;
}

/** The bench entry point (`npm run bench` calls it through test/bench/run.ts). */
export async function run(): Promise<void> {
  const results = await measureKillLatency();
  const rows = results.flatMap((r) => [formatRow(`${r.trigger} → connection closed`, r.samplesMs), formatRow(`${r.trigger} → 200 answered`, r.answeredMs)]);
  console.log(
    `\nkill latency over ${TRIALS} trials per trigger (after ${WARMUP_TRIALS} warm-up): real \`keybrake proxy\` process,\n` +
      "agent call held in flight at the fake vendor, keep-alive admin client; 'answered' includes persisting the kill\n" +
      `  ${'trigger → event'.padEnd(40)}${['p50', 'p90', 'p99', 'max'].map((h) => h.padStart(11)).join('')}\n` +
      rows.join('\n'),
  );
}

if (import.meta.main) await run();
