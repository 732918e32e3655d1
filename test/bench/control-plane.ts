// Control-plane figures (issue 12), against the API-server double with a real
// `keybrake controller` and five real sidecars (`keybrake proxy --policy-source
// configmap`), each its own process:
//   1. apply → every sidecar enforcing: 50 spec edits; per edit, the time from
//      the write in the API server until the last of the 5 sidecars reports the
//      new ConfigMap generation on /status (polled every 2 ms).
//   2. Alertmanager webhook → the in-flight call in every matching pod closed.
//   3. `kubectl keybrake kill deployment/x` (the real kubectl, plugin lookup,
//      Node start-up included) → the in-flight call in every pod closed.
// The double runs in this process, so its work shares the clock's event loop;
// on a loaded machine every figure here is an upper bound.
import fs from 'node:fs';
import path from 'node:path';
import { startCluster, startControllerProcess, startSidecar, type Cluster, type Sidecar } from '../helpers/k8s-cluster.ts';
import { agentKey } from '../helpers/proxy-harness.ts';
import { kubectl } from '../helpers/kubectl.ts';
import { policyObject } from '../k8s/policies.ts';
import { heldCall } from '../k8s/sidecar-calls.ts';
import { percentile } from './stats.ts';

const SIDECARS = 5;
const EDITS = 50;
const KILL_TRIALS = 15;
const AM_TOKEN = 'bench-alertmanager-token-0123456789';
const ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef';
const agent = agentKey();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => Promise<boolean>, timeoutMs = 20_000, stepMs = 2): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out');
    await sleep(stepMs);
  }
}

async function status(sc: Sidecar): Promise<{ killed: boolean; policy: { generation: number } }> {
  return (await sc.admin('/status')).json();
}

function edit(c: Cluster, mutate: (o: Record<string, any>) => void): void {
  const t = c.double.findType('keybrake.dev/v1alpha1', 'egresspolicies');
  const cur = c.policy('agents', 'refunds')!;
  mutate(cur);
  c.double.store.put(t, { ...cur, metadata: { ...cur.metadata, generation: cur.metadata.generation + 1 } } as never, 'MODIFIED');
}

/** One held agent call per sidecar; resolves with the time the last client socket closed. */
function heldCalls(sidecars: Sidecar[]): Promise<number> {
  return Promise.all(sidecars.map((sc) => heldCall(sc, agent.key))).then((times) => Math.max(...times));
}

async function killTrial(c: Cluster, sidecars: Sidecar[], fire: () => Promise<unknown>): Promise<number> {
  c.fakeStripe.hold();
  const before = c.fakeStripe.received.length;
  const closed = heldCalls(sidecars);
  await c.fakeStripe.waitFor(before + sidecars.length);
  const t0 = performance.now();
  await fire();
  const ms = (await closed) - t0;
  c.fakeStripe.release();
  return ms;
}

function row(label: string, samples: number[]): string {
  return `  ${label.padEnd(58)} p50 ${percentile(samples, 50).toFixed(1).padStart(7)} ms   p99 ${percentile(samples, 99).toFixed(1).padStart(7)} ms   (n=${samples.length})`;
}

export async function run(): Promise<void> {
  const c = await startCluster();
  const tokenFile = path.join(c.dir, 'am-token');
  fs.writeFileSync(tokenFile, AM_TOKEN);
  const ctl = await startControllerProcess(c, { identity: 'bench', leaseDuration: 15, tokenFile });
  const sidecars = await Promise.all(
    Array.from({ length: SIDECARS }, (_, i) =>
      startSidecar(c, 'agents', `support-${i}`, { app: 'support' }, { secrets: { 'keybrake-admin/token': ADMIN_TOKEN } }),
    ),
  );
  c.double.seed('apps/v1', 'deployments', {
    metadata: { name: 'support', namespace: 'agents' },
    spec: { selector: { matchLabels: { app: 'support' } }, template: {} },
  } as never);
  try {
    c.double.seed('keybrake.dev/v1alpha1', 'egresspolicies', policyObject(agent.sha256, { max: 1000 }) as never);
    const cmGeneration = () => Number(c.configMap('agents')?.data?.generation ?? 0);
    await until(async () => cmGeneration() > 0 && (await Promise.all(sidecars.map(status))).every((s) => s.policy.generation === cmGeneration()));

    const apply: number[] = [];
    for (let i = 0; i < EDITS; i++) {
      const want = cmGeneration() + 1;
      const t0 = performance.now();
      edit(c, (o) => (o.spec.vendors[0].rules[0].where.amount.max = 1001 + i));
      await until(async () => (await Promise.all(sidecars.map(status))).every((s) => s.policy.generation >= want));
      apply.push(performance.now() - t0);
    }

    const alert: number[] = [];
    for (let i = 0; i < KILL_TRIALS; i++) {
      alert.push(
        await killTrial(c, sidecars, () =>
          fetch(`http://127.0.0.1:${ctl.port}/alertmanager`, {
            method: 'POST',
            headers: { authorization: `Bearer ${AM_TOKEN}`, 'content-type': 'application/json' },
            body: JSON.stringify({
              version: '4',
              status: 'firing',
              alerts: [{ status: 'firing', labels: { alertname: 'SpendSpike', keybrake_policy: 'refunds', namespace: 'agents' }, annotations: {} }],
            }),
          }),
        ),
      );
      edit(c, (o) => (o.spec.killed = false)); // revive through the policy for the next trial
      await until(async () => (await Promise.all(sidecars.map(status))).every((s) => !s.killed));
    }

    const kc = c.kubeconfig('bench', 'agents');
    const viaKubectl: number[] = [];
    for (let i = 0; i < KILL_TRIALS; i++) {
      viaKubectl.push(await killTrial(c, sidecars, () => kubectl(kc, ['keybrake', 'kill', 'deployment/support', '--reason', `bench ${i}`])));
      for (const sc of sidecars) await sc.admin('/revive', { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    }

    console.log(`\ncontrol plane (API-server double, real controller + ${SIDECARS} real sidecars, separate processes):`);
    console.log(row(`apply → all ${SIDECARS} sidecars enforcing (${EDITS} edits)`, apply));
    console.log(row(`Alertmanager webhook → in-flight calls in ${SIDECARS} pods closed`, alert));
    console.log(row(`kubectl keybrake kill deployment/x → ${SIDECARS} pods closed`, viaKubectl));
  } finally {
    await Promise.all(sidecars.map((s) => s.cleanup()));
    await ctl.stop();
    await c.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
