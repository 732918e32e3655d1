// Issue 12: the user's flows with the real kubectl (apply, get egp, the
// keybrake plugin found through kubectl's plugin lookup) and the controller's
// Alertmanager receiver, against real sidecars.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { startCluster, startControllerProcess, startSidecar, type Cluster, type ControllerProcess, type Sidecar } from '../helpers/k8s-cluster.ts';
import { agentKey, eventually } from '../helpers/proxy-harness.ts';
import { kubectl } from '../helpers/kubectl.ts';
import { crdPath } from '../helpers/crd.ts';
import { policyObject } from './policies.ts';
import { policyYaml } from '../fixtures/policies.ts';
import { heldCall, refund, sidecarPolicy } from './sidecar-calls.ts';

const TOKEN = 'am-token-for-tests-0123456789';
let c: Cluster;
let ctl: ControllerProcess;
let s1: Sidecar;
let s2: Sidecar;
let billing: Sidecar;
let kc: string;
const agent = agentKey();

async function alert(status: 'firing' | 'resolved', labels: Record<string, string>, token = TOKEN): Promise<{ status: number; body: any }> {
  const res = await fetch(`http://127.0.0.1:${ctl.port}/alertmanager`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ version: '4', status, receiver: 'keybrake', alerts: [{ status, labels, annotations: { summary: 'spend tripled in 10m' } }] }),
  });
  return { status: res.status, body: await res.json() };
}

beforeAll(async () => {
  c = await startCluster();
  fs.writeFileSync(path.join(c.dir, 'am-token'), TOKEN);
  ctl = await startControllerProcess(c, { identity: 'solo', tokenFile: path.join(c.dir, 'am-token') });
  [s1, s2, billing] = await Promise.all([
    startSidecar(c, 'agents', 'support-0', { app: 'support' }),
    startSidecar(c, 'agents', 'support-1', { app: 'support' }),
    startSidecar(c, 'agents', 'billing-0', { app: 'billing' }),
  ]);
  c.double.seed('apps/v1', 'deployments', {
    metadata: { name: 'support', namespace: 'agents' },
    spec: { selector: { matchLabels: { app: 'support' } }, template: {} },
  } as never);
  kc = c.kubeconfig('tester', 'agents');
}, 240_000);
afterAll(async () => {
  await Promise.all([s1, s2, billing].map((s) => s?.cleanup()));
  await ctl?.stop();
  await c?.close();
}, 60_000);

describe('kubectl', { timeout: 120_000 }, () => {
  it('kubectl apply -f installs the CRD and a policy; kubectl get egp shows the printer columns', async () => {
    const fresh = await kubectl(kc, ['apply', '-f', crdPath()]);
    expect(fresh.code, fresh.stderr).toBe(0); // already installed by the cluster helper: "unchanged" or "configured"
    const file = path.join(c.dir, 'refunds.yaml');
    fs.writeFileSync(
      file,
      policyYaml(policyObject(agent.sha256, { max: 5000, spec: ['  killed: false'] }), policyObject(agent.sha256, { name: 'billing', app: 'billing' })),
    );
    const applied = await kubectl(kc, ['apply', '-f', file]);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toMatch(/egresspolicy.keybrake.dev\/refunds created/);
    for (const sc of [s1, s2, billing]) await eventually(async () => expect(await refund(sc, agent.key, 100)).toEqual({ ok: true }), 30_000, 50);
    await eventually(() => expect(c.policy('agents', 'refunds')?.status?.conditions?.length).toBe(2), 30_000);
    const got = await kubectl(kc, ['get', 'egp']);
    expect(got.code, got.stderr).toBe(0);
    const [header = '', ...rows] = got.stdout.trim().split('\n');
    expect(header.split(/\s{2,}/)).toEqual(['NAME', 'ENFORCEMENT', 'KILLED', 'VENDORS', 'READY', 'AGE']);
    expect(
      rows
        .find((r) => r.startsWith('refunds'))!
        .split(/\s+/)
        .slice(0, 5),
    ).toEqual(['refunds', 'enforce', 'false', 'stripe', 'True']);
  });

  it('kubectl keybrake keys new prints a key once and a kubectl patch that adds its hash', async () => {
    const r = await kubectl(kc, ['keybrake', 'keys', 'new', '--id', 'support-2', '--policy', 'refunds']);
    expect(r.code, r.stderr).toBe(0);
    const key = /^\s+(kb_\S+)$/m.exec(r.stdout)![1]!;
    const patch = /kubectl patch egresspolicy refunds -n agents --type json -p '(.*)'$/m.exec(r.stdout)![1]!;
    const patched = await kubectl(kc, ['patch', 'egresspolicy', 'refunds', '-n', 'agents', '--type', 'json', '-p', patch]);
    expect(patched.code, patched.stderr).toBe(0);
    await eventually(async () => expect(await refund(s1, key, 100)).toEqual({ ok: true }), 30_000, 50);
  });

  it('kubectl keybrake kill policy/NAME cuts in-flight calls in every sidecar running it; revive brings them back', async () => {
    c.fakeStripe.hold();
    const before = c.fakeStripe.received.length;
    const open = [heldCall(s1, agent.key), heldCall(s2, agent.key)];
    await c.fakeStripe.waitFor(before + 2); // both calls are upstream, waiting on the vendor
    const r = await kubectl(kc, ['keybrake', 'kill', 'policy/refunds', '--reason', 'runaway refunds']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/egresspolicy agents\/refunds killed/);
    await Promise.all(open);
    c.fakeStripe.release();
    for (const sc of [s1, s2]) {
      const refused = await refund(sc, agent.key, 100);
      expect(refused).toMatchObject({ ok: false, code: 'keybrake_killed' });
      expect(refused.message).toMatch(/runaway refunds/);
    }
    expect(await refund(billing, agent.key, 100)).toEqual({ ok: true });
    await eventually(
      () => expect(c.policy('agents', 'refunds')?.status?.kill).toMatchObject({ by: 'kubectl keybrake: tester', reason: 'runaway refunds' }),
      30_000,
    );

    const status = await kubectl(kc, ['keybrake', 'status']);
    expect(status.code, status.stderr).toBe(0);
    const line = (pod: string) => status.stdout.split('\n').find((l) => l.startsWith(pod))!;
    expect(line('support-0')).toMatch(/yes \(.*runaway refunds.*\)\s+refunds\s+\d+/);
    expect(line('billing-0')).toMatch(/^billing-0\s+no\s+billing\s+\d+/);

    const revived = await kubectl(kc, ['keybrake', 'revive', 'policy/refunds']);
    expect(revived.code, revived.stderr).toBe(0);
    for (const sc of [s1, s2]) await eventually(async () => expect(await refund(sc, agent.key, 100)).toEqual({ ok: true }), 30_000, 50);
    await eventually(() => expect(c.policy('agents', 'refunds')?.status?.kill).toBeUndefined(), 30_000);
  });
});

describe('Alertmanager receiver', { timeout: 120_000 }, () => {
  it('refuses a wrong token and malformed payloads', async () => {
    expect((await alert('firing', { alertname: 'X', keybrake_policy: 'refunds' }, 'wrong')).status).toBe(401);
    const res = await fetch(`http://127.0.0.1:${ctl.port}/alertmanager`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}` },
      body: '{"alerts": 3}',
    });
    expect(res.status).toBe(400);
    expect((await sidecarPolicy(s1)).killed).toBe(false);
  });

  it('a firing alert kills the selected policy, records who and why, and tells each matching pod at once', async () => {
    const r = await alert('firing', { alertname: 'SpendSpike', keybrake_policy: 'refunds', namespace: 'agents' });
    expect(r.status).toBe(200);
    expect(r.body.killed).toHaveLength(1);
    expect(r.body.killed[0].pods.map((p: { pod: string; ok: boolean }) => [p.pod, p.ok]).sort()).toEqual([
      ['agents/support-0', true],
      ['agents/support-1', true],
    ]);
    // Told through pods/proxy: killed already, before any ConfigMap watch had to deliver.
    for (const sc of [s1, s2]) expect(await refund(sc, agent.key, 100)).toMatchObject({ ok: false, code: 'keybrake_killed' });
    expect(await refund(billing, agent.key, 100)).toEqual({ ok: true });
    const p = c.policy('agents', 'refunds')!;
    expect(p.spec).toMatchObject({ killed: true, killReason: 'alertmanager: SpendSpike: spend tripled in 10m' });
    await eventually(
      () =>
        expect(c.policy('agents', 'refunds')!.status.kill).toMatchObject({
          by: 'alertmanager: SpendSpike',
          reason: 'alertmanager: SpendSpike: spend tripled in 10m',
        }),
      30_000,
    );
  });

  it('a resolved alert never revives', async () => {
    const r = await alert('resolved', { alertname: 'SpendSpike', keybrake_policy: 'refunds', namespace: 'agents' });
    expect(r.status).toBe(200);
    expect(r.body.killed).toEqual([]);
    expect(c.policy('agents', 'refunds')!.spec.killed).toBe(true);
    await eventually(async () => expect((await sidecarPolicy(s1)).names).toEqual(['refunds']), 5000);
    expect(await refund(s1, agent.key, 100)).toMatchObject({ ok: false, code: 'keybrake_killed' });
  });

  it('kubectl keybrake kill deployment/NAME reaches every pod of the deployment', async () => {
    const revived = await kubectl(kc, ['keybrake', 'revive', 'policy/refunds']);
    expect(revived.code, revived.stderr).toBe(0);
    for (const sc of [s1, s2]) await eventually(async () => expect(await refund(sc, agent.key, 100)).toEqual({ ok: true }), 30_000, 50);
    const r = await kubectl(kc, ['keybrake', 'kill', 'deployment/support', '--reason', 'incident 42']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n').sort()).toEqual(['pod/support-0\tkilled', 'pod/support-1\tkilled']);
    for (const sc of [s1, s2]) expect((await refund(sc, agent.key, 100)).message).toMatch(/incident 42 \(kubectl keybrake: tester\)/);
    expect(await refund(billing, agent.key, 100)).toEqual({ ok: true });
    const bad = await kubectl(kc, ['keybrake', 'kill', 'deployment/support']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--reason is required/);
  });
});
