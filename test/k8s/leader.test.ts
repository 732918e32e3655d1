// Issue 12: two controller replicas share one Lease. Only the holder writes
// ConfigMaps and status; when it dies, the other takes over and writes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, startControllerProcess, type Cluster, type ControllerProcess } from '../helpers/k8s-cluster.ts';
import { agentKey, eventually } from '../helpers/proxy-harness.ts';
import { policyObject } from './policies.ts';

let c: Cluster;
let replicas: ControllerProcess[] = [];
const agent = agentKey();

function holder(): string | undefined {
  return c.double.get('coordination.k8s.io/v1', 'leases', 'keybrake-system', 'keybrake-controller')?.spec?.holderIdentity;
}

/** Users that wrote ConfigMaps or policy status since request index `from`. */
function writers(from: number): string[] {
  return [
    ...new Set(
      c.double.requests
        .slice(from)
        .filter((r) => r.method !== 'GET' && (r.path.includes('/configmaps') || r.path.endsWith('/status')))
        .map((r) => r.user!),
    ),
  ];
}

beforeAll(async () => {
  c = await startCluster();
  c.double.forbid(/^controller-/, /\/secrets(\/|$)/); // the chart grants the controller no Secret access
  replicas = await Promise.all([startControllerProcess(c, { identity: 'one' }), startControllerProcess(c, { identity: 'two' })]);
}, 240_000);
afterAll(async () => {
  for (const r of replicas) await r.stop();
  await c?.close();
}, 60_000);

describe('leader election', { timeout: 120_000 }, () => {
  it('only the Lease holder writes', async () => {
    await eventually(() => expect(holder()).toMatch(/^(one|two)$/), 30_000);
    const from = c.double.requests.length;
    c.double.seed('keybrake.dev/v1alpha1', 'egresspolicies', policyObject(agent.sha256) as never);
    await eventually(() => expect(c.policy('agents', 'refunds')?.status?.observedGeneration).toBe(1), 30_000);
    expect(c.configMap('agents')?.data?.['refunds.yaml']).toBeDefined();
    expect(writers(from)).toEqual([`controller-${holder()}`]);
    // Without RBAC on Secrets the Secret check is skipped, not failed.
    expect(c.policy('agents', 'refunds')!.status.conditions.find((x: { type: string }) => x.type === 'Accepted').status).toBe('True');
    expect(c.double.requests.some((r) => r.path.includes('/secrets/') && r.status === 403)).toBe(true);
    const lease = c.double.get('coordination.k8s.io/v1', 'leases', 'keybrake-system', 'keybrake-controller')!;
    expect(lease.spec.leaseTransitions).toBe(0);
  });

  it('the other replica takes over after the holder dies and does the writing', async () => {
    const first = holder()!;
    const dead = replicas.find((r) => r.identity === first)!;
    await dead.stop('SIGKILL'); // no release: the survivor must wait out the lease
    const survivor = first === 'one' ? 'two' : 'one';
    await eventually(() => expect(holder()).toBe(survivor), 30_000, 100);
    const lease = c.double.get('coordination.k8s.io/v1', 'leases', 'keybrake-system', 'keybrake-controller')!;
    expect(lease.spec.leaseTransitions).toBe(1);
    const from = c.double.requests.length;
    const t = c.double.findType('keybrake.dev/v1alpha1', 'egresspolicies');
    const cur = c.policy('agents', 'refunds')!;
    cur.spec.enforcement = 'dryrun';
    c.double.store.put(t, { ...cur, metadata: { ...cur.metadata, generation: 2 } } as never, 'MODIFIED');
    await eventually(() => expect(c.policy('agents', 'refunds')?.status?.observedGeneration).toBe(2), 30_000, 100);
    expect(c.configMap('agents')!.data['refunds.yaml']).toMatch(/enforcement: dryrun/);
    expect(writers(from)).toEqual([`controller-${survivor}`]);
  });

  it('a holder stopped gracefully releases the Lease, and a waiting replica takes it', async () => {
    const third = await startControllerProcess(c, { identity: 'three' });
    replicas.push(third);
    const current = replicas.find((r) => r.identity === holder())!;
    await current.stop('SIGTERM');
    // Released on the way out: the Lease no longer names the stopped replica once its process is gone.
    expect(holder()).not.toBe(current.identity);
    await eventually(() => expect(holder()).toBe('three'), 30_000, 100);
  });
});
