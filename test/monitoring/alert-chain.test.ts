// The monitoring chain with the real servers, minus the proxy: a stand-in
// admin listener serves ProxyMetrics at /metrics and handleAlertmanager at
// /alertmanager; real Prometheus scrapes it and evaluates the shipped spend
// rule (threshold lowered); real Alertmanager, configured from the shipped
// snippet, posts to the receiver with the bearer token file. The e2e test
// replaces the stand-in with the real proxy.
import fs from 'node:fs/promises';
import http from 'node:http';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/wait.ts';
import { handleAlertmanager } from '../../src/admin/alertmanager.ts';
import { ProxyMetrics } from '../../src/admin/metrics.ts';
import { startAlertmanager, type TestAlertmanager } from '../helpers/alertmanager.ts';
import { rulesFromDeploy, startPrometheus, type TestPrometheus } from '../helpers/prometheus.ts';
import { fakePolicy, stripe } from './fixture.ts';

const TOKEN = 'chain-test-token-5b1e';
const SELF = { policies: ['support-refunds'], namespace: 'agents', pod: 'agent-1' };

interface Delivery {
  status: number;
  alertnames: string[];
}

describe('spend alert → Alertmanager → receiver (real Prometheus and Alertmanager)', () => {
  let tmp: string;
  let admin: http.Server;
  let prometheus: TestPrometheus;
  let alertmanager: TestAlertmanager;
  const metrics = new ProxyMetrics();
  const deliveries: Delivery[] = [];
  let killedAt: number | undefined;
  let killReason: string | undefined;
  let spending: NodeJS.Timeout | undefined;

  beforeAll(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'keybrake-chain-'));
    const tokenFile = path.join(tmp, 'alertmanager-token');
    await fs.writeFile(tokenFile, `${TOKEN}\n`);
    metrics.policyLoaded(fakePolicy(1, [stripe]));

    admin = http.createServer(async (req, res) => {
      if (req.url === '/metrics') {
        res.writeHead(200, { 'content-type': metrics.contentType }).end(await metrics.metricsText());
        return;
      }
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const body = Buffer.concat(chunks);
      const r = handleAlertmanager({ authorization: req.headers.authorization, body, expectedToken: TOKEN, self: SELF });
      const alertnames = (JSON.parse(body.toString()) as { alerts: Array<{ labels: { alertname: string } }> }).alerts.map((a) => a.labels.alertname);
      deliveries.push({ status: r.status, alertnames });
      if (r.kill && killedAt === undefined) {
        killedAt = performance.now();
        killReason = r.kill.reason;
        metrics.setKilled('alertmanager');
        clearInterval(spending);
      }
      res.writeHead(r.status, { 'content-type': 'application/json' }).end(r.body);
    });
    await new Promise<void>((resolve) => admin.listen(0, '127.0.0.1', resolve));
    const adminPort = (admin.address() as net.AddressInfo).port;

    alertmanager = await startAlertmanager({ webhookUrl: `http://127.0.0.1:${adminPort}/alertmanager`, credentialsFile: tokenFile });
    prometheus = await startPrometheus({
      targets: [`127.0.0.1:${adminPort}`],
      targetLabels: { namespace: SELF.namespace, pod: SELF.pod },
      ruleFiles: [await rulesFromDeploy(tmp, { KeybrakeSpendRateHigh: { threshold: 1, for: '0s' }, KeybrakeKilled: {} })],
      alertmanager: alertmanager.hostPort,
    });
  });

  afterAll(async () => {
    clearInterval(spending);
    await Promise.all([prometheus?.stop(), alertmanager?.stop()]);
    await new Promise((resolve) => admin?.close(resolve));
    await fs.rm(tmp, { recursive: true, force: true });
  });

  it('kills on the spend-rate alert, with its name and summary, and routes only kill-worthy alerts to the receiver', async () => {
    // The agent: a $40 charge every 100 ms.
    const firstCharge = performance.now();
    spending = setInterval(() => metrics.recordSpend('stripe', 'support-refunds', 'usd', 4_000), 100);
    metrics.recordSpend('stripe', 'support-refunds', 'usd', 4_000);

    await waitFor(() => killedAt !== undefined, {
      timeoutMs: 30_000,
      what: () => `a kill; deliveries ${JSON.stringify(deliveries)}\n${alertmanager.logs()}\n${prometheus.logs()}`,
    });
    console.log(`alert chain: first charge → kill in ${Math.round(killedAt! - firstCharge)} ms`);
    expect(killReason).toMatch(/^alertmanager: KeybrakeSpendRateHigh: policy support-refunds is spending [0-9.]+ usd\/h on stripe$/);
    expect(deliveries.every((d) => d.status === 200)).toBe(true);

    // Prometheus now sees the proxy killed and fires KeybrakeKilled; that alert is notify-only.
    await waitFor(async () => (await prometheus.alerts()).some((a) => a.labels.alertname === 'KeybrakeKilled' && a.state === 'firing'), {
      timeoutMs: 15_000,
      what: 'KeybrakeKilled to fire',
    });
    const [killed] = await prometheus.query('keybrake_killed{reason="alertmanager"}');
    if (!killed) throw new Error('expected a keybrake_killed{reason="alertmanager"} series');
    expect(killed.metric).toMatchObject({ namespace: 'agents', pod: 'agent-1' });
    expect(killed.value).toBe(1);
    await new Promise((r) => setTimeout(r, 2_500)); // more than group_wait + group_interval
    expect(deliveries.flatMap((d) => d.alertnames)).not.toContain('KeybrakeKilled');
  });
});
