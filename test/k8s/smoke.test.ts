import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, startControllerProcess, startSidecar, type Cluster, type ControllerProcess, type Sidecar } from '../helpers/k8s-cluster.ts';
import { agentKey, eventually } from '../helpers/proxy-harness.ts';
import { stripeViaConnect } from '../helpers/stripe-client.ts';
import { policyObject } from './policies.ts';

let c: Cluster;
let ctl: ControllerProcess;
let sc: Sidecar;
const agent = agentKey();

beforeAll(async () => {
  c = await startCluster();
  ctl = await startControllerProcess(c, { identity: 'a' });
  sc = await startSidecar(c, 'agents', 'support-0', { app: 'support' });
});
afterAll(async () => {
  await sc?.cleanup();
  await ctl?.stop();
  await c?.close();
});

describe('smoke', () => {
  it('applies', async () => {
    const refused = await stripeViaConnect(agent.key, sc.port, sc.caPem).customers.list().catch((e) => e);
    console.log(String(refused.message));
    c.double.seed('keybrake.dev/v1alpha1', 'egresspolicies', policyObject(agent.sha256) as never);
    await eventually(() => expect(c.configMap('agents')?.data?.['refunds.yaml']).toBeDefined(), 10_000);
    console.log(JSON.stringify(c.policy('agents', 'refunds')?.status, null, 1));
    await eventually(async () => {
      const list = await stripeViaConnect(agent.key, sc.port, sc.caPem).customers.list();
      expect(list.object).toBe('list');
    }, 10_000, 100);
  });
});
