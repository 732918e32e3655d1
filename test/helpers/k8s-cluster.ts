// A "cluster" for control-plane tests: the API-server double over HTTPS with the
// EgressPolicy CRD installed, namespaces, Secrets, a kubeconfig; `keybrake
// controller` child processes; real `keybrake proxy --policy-source configmap`
// sidecars registered as pods whose admin port the double's pods/proxy reaches.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { ApiServerDouble } from '../k8s-double/server.ts';
import { makeDoubleTls, writeKubeconfig, type DoubleTls } from '../k8s-double/tls.ts';
import { egressPolicyCrd } from './crd.ts';
import { startHarness, type Harness, type Upstream } from './proxy-harness.ts';
import { startFakeVendor, type FakeVendor } from './fake-vendor.ts';
import { stripeHandler } from './fake-stripe.ts';
import { REAL_STRIPE_KEY } from './stripe-fixture.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

export interface Cluster {
  double: ApiServerDouble;
  tls: DoubleTls;
  dir: string;
  /** A kubeconfig whose bearer token is `token`. */
  kubeconfig(token: string, namespace?: string): string;
  fakeStripe: FakeVendor;
  policy(ns: string, name: string): Record<string, any> | undefined;
  configMap(ns: string): Record<string, any> | undefined;
  close(): Promise<void>;
}

export async function startCluster(namespaces: string[] = ['agents']): Promise<Cluster> {
  const tls = makeDoubleTls();
  const double = await new ApiServerDouble({ tls }).start();
  double.seed('apiextensions.k8s.io/v1', 'customresourcedefinitions', egressPolicyCrd() as never);
  for (const ns of [...namespaces, 'keybrake-system']) {
    double.seed('v1', 'namespaces', { metadata: { name: ns } });
    if (ns !== 'keybrake-system')
      double.seed('v1', 'secrets', { metadata: { name: 'stripe-live', namespace: ns }, data: { apiKey: Buffer.from(REAL_STRIPE_KEY).toString('base64') } });
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keybrake-cluster-'));
  const fakeStripe = await startFakeVendor(stripeHandler);
  return {
    double,
    tls,
    dir,
    fakeStripe,
    kubeconfig: (token, namespace = 'default') =>
      writeKubeconfig(dir, double.url, token, { caPem: tls.caPem, namespace, file: `kubeconfig-${token}-${namespace}` }),
    policy: (ns, name) => double.get('keybrake.dev/v1alpha1', 'egresspolicies', ns, name),
    configMap: (ns) => double.get('v1', 'configmaps', ns, 'keybrake-policies'),
    async close() {
      await double.stop();
      await fakeStripe.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface ControllerProcess {
  port: number;
  webhookPort?: number;
  identity: string;
  lines: Array<Record<string, any>>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export function startControllerProcess(
  c: Cluster,
  o: { identity: string; namespaces?: string[]; leaseDuration?: number; tokenFile?: string; webhookTlsDir?: string },
): Promise<ControllerProcess> {
  const args = [
    path.join(ROOT, 'src/cli.ts'),
    'controller',
    '--listen',
    '127.0.0.1:0',
    '--identity',
    o.identity,
    '--lease-namespace',
    'keybrake-system',
    '--lease-duration',
    String(o.leaseDuration ?? 4),
    '--alertmanager-token-file',
    o.tokenFile ?? path.join(c.dir, 'no-token'),
    ...(o.namespaces ? ['--namespaces', o.namespaces.join(',')] : []),
    ...(o.webhookTlsDir ? ['--webhook-tls-dir', o.webhookTlsDir, '--webhook-listen', '127.0.0.1:0'] : []),
  ];
  const child: ChildProcess = spawn(process.execPath, args, {
    env: { ...process.env, KUBECONFIG: c.kubeconfig(`controller-${o.identity}`), KEYBRAKE_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Array<Record<string, any>> = [];
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        const obj = JSON.parse(line);
        lines.push(obj);
        if (obj.msg === 'keybrake controller started') {
          resolve({
            port: obj.listen.port,
            webhookPort: obj.webhook?.port,
            identity: o.identity,
            lines,
            stop: async (signal = 'SIGTERM') => {
              if (child.exitCode !== null || child.signalCode !== null) return;
              const exited = new Promise((r) => child.once('exit', r));
              child.kill(signal);
              await exited;
            },
          });
        }
      } catch {
        // not a log line
      }
    });
    child.once('exit', (code) => reject(new Error(`controller exited with ${code}: ${stderr.slice(-2000)}`)));
  });
}

export interface Sidecar extends Harness {
  pod: string;
  namespace: string;
}

/** A sidecar for pod `pod` in `ns` with `labels`: a real proxy process fed by the ConfigMap. */
export async function startSidecar(
  c: Cluster,
  ns: string,
  pod: string,
  labels: Record<string, string>,
  o: { dir?: string; secrets?: Record<string, string> } = {},
): Promise<Sidecar> {
  const dir = o.dir ?? fs.mkdtempSync(path.join(c.dir, `pod-${pod}-`));
  const labelsFile = path.join(dir, 'labels');
  fs.writeFileSync(
    labelsFile,
    Object.entries(labels)
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
      .join('\n'),
  );
  const upstream: Upstream = { host: 'api.stripe.com', url: c.fakeStripe.url, caPem: c.fakeStripe.caPem };
  const h = await startHarness({
    dir,
    policyYaml: '',
    upstreams: [upstream],
    secrets: { 'stripe-live/apiKey': REAL_STRIPE_KEY, ...o.secrets },
    args: ['--policy-source', 'configmap', '--pod-labels-file', labelsFile, '--audit', 'none', '--ledger', 'memory'],
    env: { KUBECONFIG: c.kubeconfig(`sidecar-${pod}`, ns), POD_NAMESPACE: ns, POD_NAME: pod },
  });
  const register = () => {
    if (c.double.get('v1', 'pods', ns, pod)) c.double.ports.set(`${ns}/${pod}:17020`, h.adminPort);
    else
      c.double.addPod(
        ns,
        pod,
        labels,
        { 17020: h.adminPort },
        { metadata: { name: pod, namespace: ns, labels, annotations: { 'keybrake.dev/status': 'injected' } } },
      );
  };
  register();
  const restart = h.restart;
  return Object.assign(h, {
    pod,
    namespace: ns,
    restart: async () => {
      await restart();
      register(); // a new admin port
    },
  });
}
