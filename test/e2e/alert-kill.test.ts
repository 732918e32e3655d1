// Issue 6 acceptance: the alert-driven kill with the real `keybrake proxy`
// process, real Prometheus and real Alertmanager, all on loopback. A scripted
// agent charges through the stripe SDK; Prometheus scrapes the admin /metrics
// and evaluates the shipped spend-rate rule (threshold lowered); Alertmanager,
// configured from the shipped snippet, posts to /alertmanager with the bearer
// token; the proxy dies and the agent's next call is refused naming the alert.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/wait.ts';
import { useStripeProxy } from '../helpers/stripe-fixture.ts';
import { stripeViaConnect } from '../helpers/stripe-client.ts';
import { startAlertmanager, type TestAlertmanager } from '../helpers/alertmanager.ts';
import { rulesFromDeploy, startPrometheus, type TestPrometheus } from '../helpers/prometheus.ts';
import { metricNames, parseExposition, sampleValue } from '../helpers/exposition.ts';
import { stripeDoc } from './policies.ts';

const DASHBOARD = fileURLToPath(new URL('../../deploy/monitoring/grafana-dashboard.json', import.meta.url));
const AM_TOKEN = 'alertmanager-token-for-tests-7c4d';
const ADMIN_TOKEN = 'admin-token-for-tests-0123456789';
const SELF = { policy: 'billing-agent', namespace: 'agents', pod: 'agent-1' };
/** USD per hour, as the rule computes it: 5-minute rate × 3600. */
const THRESHOLD_PER_HOUR = 120;
/** The same threshold as spend within the rule's 5-minute window, in cents: what the loop must exceed. */
const THRESHOLD_WINDOW_CENTS = (THRESHOLD_PER_HOUR / 12) * 100;
const CHARGE_CENTS = 400;
const CHARGE_EVERY_MS = 100;

// Charges only, with a spend cap far above what the test spends: the cap must not be what stops the agent.
function chargingPolicy(sha256: string): string {
  return stripeDoc(sha256, {
    name: SELF.policy,
    namespace: SELF.namespace,
    agentKeyId: 'billing-1',
    caps: ['{window: 24h, maxSpend: {amount: "100000.00", currency: usd}}'],
    rules: `        - name: charge-customers
          allow: [charges.create]
`,
  });
}

const fx = useStripeProxy(chargingPolicy, {
  secrets: { 'keybrake-admin/token': ADMIN_TOKEN, 'keybrake-admin/alertmanager-token': `${AM_TOKEN}\n` },
  args: ['--namespace', SELF.namespace, '--pod', SELF.pod],
});

let prometheus: TestPrometheus;
let alertmanager: TestAlertmanager;
let rulesDir: string;

// Registered after the fixture's hooks: starts once the proxy is up, stops before it is torn down.
beforeAll(async () => {
  rulesDir = await fs.mkdtemp(path.join(os.tmpdir(), 'keybrake-alert-kill-'));
  alertmanager = await startAlertmanager({
    webhookUrl: `${fx.h.adminUrl}/alertmanager`,
    // The proxy's own token file: in a cluster both mount the same Secret.
    credentialsFile: path.join(fx.h.dir, 'secrets', 'keybrake-admin', 'alertmanager-token'),
  });
  prometheus = await startPrometheus({
    targets: [`127.0.0.1:${fx.h.adminPort}`],
    targetLabels: { namespace: SELF.namespace, pod: SELF.pod },
    ruleFiles: [await rulesFromDeploy(rulesDir, { KeybrakeSpendRateHigh: { threshold: THRESHOLD_PER_HOUR, for: '0s' } })],
    alertmanager: alertmanager.hostPort,
  });
});

afterAll(async () => {
  await Promise.all([prometheus?.stop(), alertmanager?.stop()]);
  if (rulesDir) await fs.rm(rulesDir, { recursive: true, force: true });
});

async function killState(): Promise<{ killed: boolean; reason?: string; since?: string; killedBy?: string }> {
  return (await fx.h.admin('/status')).json();
}

/** A v4 webhook payload with one firing alert whose labels select this proxy. */
function selectingPayload(labels: Record<string, string> = {}): string {
  const alert = {
    status: 'firing',
    labels: { alertname: 'KeybrakeSpendRateHigh', keybrake_policy: SELF.policy, namespace: SELF.namespace, pod: SELF.pod, ...labels },
    annotations: { summary: 'forged' },
    startsAt: new Date().toISOString(),
  };
  return JSON.stringify({ version: '4', status: 'firing', receiver: 'keybrake-kill', groupLabels: {}, commonLabels: {}, alerts: [alert] });
}

function postAlertmanager(body: string, authorization?: string): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (authorization) headers.authorization = authorization;
  return fx.h.admin('/alertmanager', { method: 'POST', headers, body });
}

describe('POST /alertmanager refuses what it must not act on', () => {
  it.each([
    ['no token', undefined, 401],
    ['a bad token', 'Bearer not-the-alertmanager-token', 401],
    ['the admin token instead', `Bearer ${ADMIN_TOKEN}`, 401],
    ['a non-bearer scheme', `Basic ${Buffer.from(`x:${AM_TOKEN}`).toString('base64')}`, 401],
  ])('answers 401 to a selecting alert with %s, and kills nothing', async (_name, authorization, status) => {
    const res = await postAlertmanager(selectingPayload(), authorization);
    expect(res.status).toBe(status);
    expect((await killState()).killed).toBe(false);
  });

  it.each([
    ['not JSON', '{"alerts": [ {"status": "firing"'],
    ['no alerts array', JSON.stringify({ version: '4', status: 'firing', alerts: 'KeybrakeSpendRateHigh' })],
    ['an alert without labels', JSON.stringify({ version: '4', status: 'firing', alerts: [{ status: 'firing' }] })],
  ])('answers 400 to a malformed payload (%s) with the right token, and kills nothing', async (_name, body) => {
    const res = await postAlertmanager(body, `Bearer ${AM_TOKEN}`);
    expect(res.status).toBe(400);
    expect((await killState()).killed).toBe(false);
  });

  it('answers 200 to a firing alert for another pod, and kills nothing', async () => {
    const res = await postAlertmanager(selectingPayload({ pod: 'agent-2' }), `Bearer ${AM_TOKEN}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ killed: false, selected: [] });
    const metrics = parseExposition(await (await fx.h.admin('/metrics')).text());
    expect(sampleValue(metrics, 'keybrake_killed', { reason: 'alertmanager' })).toBe(0);
    expect((await killState()).killed).toBe(false);
  });
});

interface Charged {
  at: number;
  /** Cents charged so far, this one included. */
  total: number;
}

/** The scripted agent: charges in a loop until a call is refused (or time runs out). */
async function chargeUntilRefused(client: Stripe, timeoutMs: number): Promise<{ charged: Charged[]; refusal: unknown; refusedAt: number }> {
  const charged: Charged[] = [];
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; Date.now() < deadline; i++) {
    try {
      // A different customer each time, as a real runaway loop over a customer list would.
      await client.charges.create({ amount: CHARGE_CENTS, currency: 'usd', customer: `cus_${i}` });
      charged.push({ at: Date.now(), total: (charged.at(-1)?.total ?? 0) + CHARGE_CENTS });
    } catch (refusal) {
      return { charged, refusal, refusedAt: Date.now() };
    }
    await new Promise((r) => setTimeout(r, CHARGE_EVERY_MS));
  }
  throw new Error(`no refusal after ${charged.length} charges\n${alertmanager.logs()}\n${prometheus.logs()}`);
}

describe('spend alert → Alertmanager → the real proxy', () => {
  it('kills the proxy, and the agent loop’s next call is refused naming the alert', async () => {
    const chargesAtVendor = () => fx.fake.received.filter((r) => r.method === 'POST' && r.path === '/v1/charges').length;
    const vendorBefore = chargesAtVendor();
    const { charged, refusal, refusedAt } = await chargeUntilRefused(stripeViaConnect(fx.agent.key, fx.h.port, fx.h.caPem), 40_000);

    expect(refusal).toBeInstanceOf(Stripe.errors.StripeError);
    const err = refusal as Stripe.errors.StripeError;
    expect(err.code).toBe('keybrake_killed');
    expect(err.message).toMatch(/kill switch is on since .*alertmanager: KeybrakeSpendRateHigh: policy billing-agent is spending [0-9.]+ usd\/h on stripe/);

    const state = await killState();
    expect(state).toMatchObject({ killed: true, killedBy: 'alertmanager' });
    expect(state.reason).toContain('KeybrakeSpendRateHigh');
    // Nothing reached Stripe after the kill: every charge the vendor saw is one the agent got back, bar one cut in flight.
    expect(chargesAtVendor() - vendorBefore - charged.length).toBeGreaterThanOrEqual(0);
    expect(chargesAtVendor() - vendorBefore - charged.length).toBeLessThanOrEqual(1);

    const overThreshold = charged.find((c) => c.total > THRESHOLD_WINDOW_CENTS);
    expect(overThreshold, 'the loop never spent past the threshold before the kill').toBeDefined();
    const killedAt = Date.parse(state.since!);
    const [alert] = (await prometheus.alerts()).filter((a) => a.labels.alertname === 'KeybrakeSpendRateHigh');
    const alertActive = alert?.activeAt ? `${Date.parse(alert.activeAt) - overThreshold!.at} ms` : 'unknown';
    console.log(
      `alert-driven kill: first charge over ${THRESHOLD_PER_HOUR} USD/h → proxy killed in ${killedAt - overThreshold!.at} ms ` +
        `(Prometheus alert active after ${alertActive}; agent refused after ${refusedAt - overThreshold!.at} ms; ${charged.length} charges went through)`,
    );
    expect(alert?.labels).toMatchObject({ keybrake_policy: SELF.policy, namespace: SELF.namespace, pod: SELF.pod, keybrake_action: 'kill' });
    expect(killedAt).toBeGreaterThanOrEqual(overThreshold!.at);
    expect(refusedAt).toBeGreaterThanOrEqual(killedAt);
  });

  it('answered Alertmanager with success, so it never retried a notification', async () => {
    const am = parseExposition(await (await fetch(`${alertmanager.url}/metrics`)).text());
    const webhook = (name: string) => am.filter((m) => m.name === name && m.labels.integration === 'webhook').reduce((n, m) => n + m.value, 0);
    expect(webhook('alertmanager_notifications_total')).toBeGreaterThanOrEqual(1);
    expect(webhook('alertmanager_notifications_failed_total')).toBe(0);
  });

  it('exports the kill on /metrics, and Prometheus sees it on its next scrape', async () => {
    const metrics = parseExposition(await (await fx.h.admin('/metrics')).text());
    expect(sampleValue(metrics, 'keybrake_killed', { reason: 'alertmanager' })).toBe(1);
    const [killed] = await waitFor(
      async () => {
        const found = await prometheus.query('keybrake_killed{reason="alertmanager"} == 1');
        expect(found).toHaveLength(1);
        return found;
      },
      { timeoutMs: 5_000, everyMs: 200 },
    );
    expect(killed!.metric).toMatchObject({ namespace: SELF.namespace, pod: SELF.pod });
  });
});

interface Panel {
  title: string;
  targets?: Array<{ expr: string }>;
  panels?: Panel[];
}

describe('Grafana dashboard against the live proxy', () => {
  it('references only metrics present on the live /metrics', async () => {
    const dashboard = JSON.parse(await fs.readFile(DASHBOARD, 'utf8')) as { panels: Panel[]; templating: { list: Array<{ definition?: string }> } };
    const panels = (list: Panel[]): Panel[] => list.flatMap((p) => [p, ...panels(p.panels ?? [])]);
    const used = new Set([
      ...panels(dashboard.panels).flatMap((p) => (p.targets ?? []).flatMap((t) => metricNames(t.expr))),
      ...dashboard.templating.list.flatMap((v) => [...(v.definition ?? '').matchAll(/label_values\(([a-zA-Z_:][\w:]*)/g)].map((m) => m[1]!)),
    ]);
    // After the loop above the proxy has served charges, committed spend, charged a cap and been killed.
    const live = new Set(parseExposition(await (await fx.h.admin('/metrics')).text()).map((s) => s.name));
    expect(used.size).toBeGreaterThan(10);
    expect([...used].filter((name) => !live.has(name))).toEqual([]);
  });
});
