// Issue 12: EgressPolicy → controller → ConfigMap → real sidecars
// (`keybrake proxy --policy-source configmap`), all against the API-server double.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Condition } from '@kubernetes-models/apimachinery/apis/meta/v1/Condition';
import { ConfigMap } from 'kubernetes-models/v1';
import { Lease } from 'kubernetes-models/coordination.k8s.io/v1';
import { startCluster, startControllerProcess, startSidecar, type Cluster, type ControllerProcess, type Sidecar } from '../helpers/k8s-cluster.ts';
import { agentKey, eventually } from '../helpers/proxy-harness.ts';
import { policyObject } from './policies.ts';
import { plainPod, review } from '../inject/fixtures.ts';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { refund, sidecarPolicy } from './sidecar-calls.ts';

const EGP = 'keybrake.dev/v1alpha1';
let c: Cluster;
let ctl: ControllerProcess;
let a1: Sidecar;
let a2: Sidecar;
let unselected: Sidecar;
let b1: Sidecar;
const agent = agentKey();

function edit(ns: string, name: string, mutate: (o: Record<string, any>) => void): void {
  const t = c.double.findType(EGP, 'egresspolicies');
  const cur = c.policy(ns, name)!;
  mutate(cur);
  c.double.store.put(t, { ...cur, metadata: { ...cur.metadata, generation: cur.metadata.generation + 1 } } as never, 'MODIFIED');
}

function condition(ns: string, name: string, type: string): Record<string, any> | undefined {
  return c.policy(ns, name)?.status?.conditions?.find((x: { type: string }) => x.type === type);
}

beforeAll(async () => {
  c = await startCluster(['agents', 'team-b']);
  const tlsDir = path.join(c.dir, 'webhook-tls');
  fs.mkdirSync(tlsDir);
  fs.writeFileSync(path.join(tlsDir, 'tls.crt'), c.tls.cert);
  fs.writeFileSync(path.join(tlsDir, 'tls.key'), c.tls.key);
  ctl = await startControllerProcess(c, { identity: 'solo', webhookTlsDir: tlsDir });
  [a1, a2, unselected, b1] = await Promise.all([
    startSidecar(c, 'agents', 'support-0', { app: 'support' }),
    startSidecar(c, 'agents', 'support-1', { app: 'support', 'pod-template-hash': 'x' }),
    startSidecar(c, 'agents', 'billing-0', { app: 'billing' }),
    startSidecar(c, 'team-b', 'support-0', { app: 'support' }),
  ]);
}, 240_000);
afterAll(async () => {
  await Promise.all([a1, a2, unselected, b1].map((s) => s?.cleanup()));
  await ctl?.stop();
  await c?.close();
}, 60_000);

describe('control plane', { timeout: 120_000 }, () => {
  it("a sidecar that never loaded a policy refuses every call in the vendor's shape and is not ready", async () => {
    const r = await refund(a1, agent.key, 100);
    expect(r).toMatchObject({ ok: false, code: 'keybrake_no_policy' });
    expect(r.message).toMatch(/no policy is loaded from ConfigMap agents\/keybrake-policies/);
    expect((await a1.admin('/readyz')).status).toBe(503);
    expect(c.fakeStripe.received.length).toBe(0);
  });

  it('kubectl-applied policy reaches every matching sidecar, and only those', async () => {
    c.double.seed(EGP, 'egresspolicies', policyObject(agent.sha256, { max: 5000 }) as never);
    for (const sc of [a1, a2]) await eventually(async () => expect(await refund(sc, agent.key, 300)).toEqual({ ok: true }), 30_000, 50);
    expect((await a1.admin('/readyz')).status).toBe(200);
    // billing-0's labels do not match: it keeps refusing, now saying why.
    await eventually(
      async () =>
        expect((await refund(unselected, agent.key, 300)).message).toMatch(
          /no policy is loaded from ConfigMap agents\/keybrake-policies: no EgressPolicy selects this pod/,
        ),
      30_000,
      50,
    );
    const cm = c.configMap('agents')!;
    expect(Object.keys(cm.data).sort()).toEqual(['generation', 'refunds.yaml']);
    expect(cm.metadata.labels['app.kubernetes.io/part-of']).toBe('keybrake');
    await eventually(
      () => expect(condition('agents', 'refunds', 'Ready')).toMatchObject({ status: 'True', reason: 'Compiled', observedGeneration: 1 }),
      30_000,
    );
    const status = c.policy('agents', 'refunds')!.status;
    expect(status).toMatchObject({ observedGeneration: 1, matchedPods: 2 });
    expect(condition('agents', 'refunds', 'Accepted')).toMatchObject({ status: 'True', reason: 'Valid' });
  });

  it('an edit is in force in every matching sidecar', async () => {
    edit('agents', 'refunds', (o) => (o.spec.vendors[0].rules[0].where.amount.max = 200));
    for (const sc of [a1, a2]) {
      await eventually(async () => expect(await refund(sc, agent.key, 300)).toMatchObject({ ok: false }), 30_000, 50);
      expect(await refund(sc, agent.key, 150)).toEqual({ ok: true });
    }
    expect((await sidecarPolicy(a1)).generation).toBe(Number(c.configMap('agents')!.data.generation));
  });

  it('an invalid edit gets a condition naming the field, and sidecars keep the last accepted policy', async () => {
    edit('agents', 'refunds', (o) => {
      o.spec.vendors[0].rules[0].allow = ['refunds.explode'];
      o.spec.vendors[0].rules[0].where.amount.max = 100000;
    });
    await eventually(
      () => expect(condition('agents', 'refunds', 'Accepted')).toMatchObject({ status: 'False', reason: 'InvalidSpec', observedGeneration: 3 }),
      30_000,
    );
    expect(condition('agents', 'refunds', 'Accepted')!.message).toMatch(/spec\.vendors\[0\]\.rules\[0\]\.allow\[0\]/);
    expect(condition('agents', 'refunds', 'Ready')).toMatchObject({ status: 'False', reason: 'NotAccepted' });
    expect(condition('agents', 'refunds', 'Ready')!.message).toMatch(/sidecars keep enforcing generation 2/);
    expect(c.configMap('agents')!.data['refunds.yaml']).toMatch(/generation: 2/);
    for (const sc of [a1, a2]) {
      expect(await refund(sc, agent.key, 300)).toMatchObject({ ok: false });
      expect(await refund(sc, agent.key, 150)).toEqual({ ok: true });
    }
  });

  it('refuses an empty selector and a missing Secret, naming the field', async () => {
    c.double.seed(EGP, 'egresspolicies', policyObject(agent.sha256, { name: 'no-selector', app: 'x' }) as never);
    await eventually(() => expect(c.configMap('agents')!.data['no-selector.yaml']).toBeDefined(), 30_000);
    edit('agents', 'no-selector', (o) => {
      o.spec.selector = { matchLabels: {} };
      o.spec.vendors[0].credential.secretRef.name = 'not-there';
    });
    await eventually(() => expect(condition('agents', 'no-selector', 'Accepted')?.observedGeneration).toBe(2), 30_000);
    const msg = condition('agents', 'no-selector', 'Accepted')!.message;
    expect(msg).toMatch(/spec\.selector\.matchLabels: must name at least one pod label/);
    expect(msg).toMatch(/spec\.vendors\[0\]\.credential\.secretRef\.name: Secret agents\/not-there does not exist/);
    expect(c.configMap('agents')!.data['no-selector.yaml']).toMatch(/generation: 1/); // generation 1 was valid and stays served
  });

  it('a policy in namespace agents never reaches a sidecar in team-b', async () => {
    expect(await refund(b1, agent.key, 100)).toMatchObject({ ok: false, code: 'keybrake_no_policy' });
    expect(c.configMap('team-b')).toBeUndefined();
    c.double.seed(EGP, 'egresspolicies', policyObject(agent.sha256, { name: 'b-only', namespace: 'team-b', max: 50 }) as never);
    await eventually(async () => expect(await refund(b1, agent.key, 40)).toEqual({ ok: true }), 30_000, 50);
    expect((await sidecarPolicy(b1)).names).toEqual(['b-only']);
    expect((await sidecarPolicy(a1)).names.sort()).toEqual(['refunds']);
    expect(Object.keys(c.configMap('team-b')!.data).sort()).toEqual(['b-only.yaml', 'generation']);
  });

  it('rides out closed watches, 410 Expired and failing watch requests', async () => {
    c.double.closeWatches();
    c.double.expireWatches();
    c.double.failNext('GET', /\/configmaps$/, 500, 2);
    c.double.failNext('GET', /\/egresspolicies$/, 500, 2);
    c.double.closeWatches();
    edit('team-b', 'b-only', (o) => (o.spec.vendors[0].rules[0].where.amount.max = 20));
    await eventually(async () => expect(await refund(b1, agent.key, 40)).toMatchObject({ ok: false }), 30_000, 100);
    expect(await refund(b1, agent.key, 10)).toEqual({ ok: true });
  });

  it('serves the injection webhook, mounting the Secrets of the policies that select the pod', async () => {
    const body = JSON.stringify(review(plainPod({ labels: { app: 'support' } }), { namespace: 'agents' }));
    const answer = await new Promise<any>((resolve, reject) => {
      const req = https.request(
        {
          host: '127.0.0.1',
          port: ctl.webhookPort,
          servername: 'localhost',
          ca: c.tls.caPem,
          method: 'POST',
          path: '/mutate?timeout=10s',
          headers: { 'content-type': 'application/json' },
        },
        (res) => {
          let text = '';
          res.on('data', (d) => (text += d)).on('end', () => resolve(JSON.parse(text)));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    expect(answer.response.allowed).toBe(true);
    const patch = Buffer.from(answer.response.patch, 'base64').toString('utf8');
    expect(patch).toContain('"secretName":"stripe-live"');
  });

  it('every object the controller writes validates against the Kubernetes schemas', async () => {
    for (const ns of ['agents', 'team-b']) new ConfigMap(c.configMap(ns) as never).validate();
    const lease = c.double.get('coordination.k8s.io/v1', 'leases', 'keybrake-system', 'keybrake-controller')!;
    new Lease(lease as never).validate();
    expect(lease.spec.holderIdentity).toBe('solo');
    for (const [ns, name] of [
      ['agents', 'refunds'],
      ['agents', 'no-selector'],
      ['team-b', 'b-only'],
    ] as const) {
      const conditions = c.policy(ns, name)!.status.conditions as unknown[];
      expect(conditions).toHaveLength(2);
      for (const cond of conditions) new Condition(cond as never).validate();
    }
    const writers = new Set(
      c.double.requests.filter((r) => ['POST', 'PUT', 'PATCH', 'DELETE'].includes(r.method) && r.path.includes('/configmaps')).map((r) => r.user),
    );
    expect([...writers]).toEqual(['controller-solo']);
  });
});
