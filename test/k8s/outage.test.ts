// Issue 12: the API server goes away. Sidecars keep enforcing the policy they
// hold; one restarted during the outage enforces the policy persisted in its
// state dir; when the API server is back, edits flow again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, startControllerProcess, startSidecar, type Cluster, type ControllerProcess, type Sidecar } from '../helpers/k8s-cluster.ts';
import { agentKey, eventually } from '../helpers/proxy-harness.ts';
import { policyObject } from './policies.ts';
import { refund, sidecarPolicy } from './sidecar-calls.ts';

let c: Cluster;
let ctl: ControllerProcess;
let s1: Sidecar;
let s2: Sidecar;
const agent = agentKey();

beforeAll(async () => {
  c = await startCluster();
  ctl = await startControllerProcess(c, { identity: 'solo' });
  [s1, s2] = await Promise.all([startSidecar(c, 'agents', 'support-0', { app: 'support' }), startSidecar(c, 'agents', 'support-1', { app: 'support' })]);
  c.double.seed('keybrake.dev/v1alpha1', 'egresspolicies', policyObject(agent.sha256, { max: 200 }) as never);
  for (const sc of [s1, s2]) await eventually(async () => expect(await refund(sc, agent.key, 150)).toEqual({ ok: true }), 30_000, 50);
}, 240_000);
afterAll(async () => {
  await Promise.all([s1, s2].map((s) => s?.cleanup()));
  await ctl?.stop();
  await c?.close();
}, 60_000);

describe('API server outage', { timeout: 120_000 }, () => {
  it('sidecars keep enforcing while the API server is down', async () => {
    await c.double.stop();
    for (const sc of [s1, s2]) {
      expect(await refund(sc, agent.key, 150)).toEqual({ ok: true });
      expect(await refund(sc, agent.key, 300)).toMatchObject({ ok: false, code: 'keybrake_rule_denied' });
    }
  });

  it('a sidecar restarted during the outage enforces the persisted policy', async () => {
    await s2.restart();
    expect(await sidecarPolicy(s2)).toMatchObject({ killed: false, names: ['refunds'] });
    expect(await refund(s2, agent.key, 150)).toEqual({ ok: true });
    expect(await refund(s2, agent.key, 300)).toMatchObject({ ok: false, code: 'keybrake_rule_denied' });
    expect((await s2.admin('/readyz')).status).toBe(200);
  });

  it('after the outage, edits reach every sidecar again', async () => {
    await c.double.start();
    const t = c.double.findType('keybrake.dev/v1alpha1', 'egresspolicies');
    const cur = c.policy('agents', 'refunds')!;
    cur.spec.vendors[0].rules[0].where.amount.max = 400;
    c.double.store.put(t, { ...cur, metadata: { ...cur.metadata, generation: 2 } } as never, 'MODIFIED');
    for (const sc of [s1, s2]) await eventually(async () => expect(await refund(sc, agent.key, 300)).toEqual({ ok: true }), 30_000, 200);
  });
});
