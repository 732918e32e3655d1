// AdmissionReview v1 requests for the webhook tests: pods as a ReplicaSet
// controller submits them (generateName, no name), wrapped as the apiserver sends them.
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { injectConfig, type InjectConfig } from '../../src/k8s/inject/config.ts';
import type { Pod } from '../../src/k8s/inject/pod.ts';

export const IMAGE = 'ghcr.io/keybrake/keybrake:0.1.0';

/** The controller's view: pods labelled app=support-agent are selected by a policy that uses two Secrets. */
export const CFG: InjectConfig = injectConfig({
  image: IMAGE,
  secretsFor: (ns, labels) => (ns === 'agents' && labels.app === 'support-agent' ? ['twilio-live', 'stripe-live', 'stripe-live'] : []),
});

export function review(pod: Pod, o: { operation?: string; namespace?: string; uid?: string } = {}) {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: o.uid ?? '705ab4f5-6393-11e8-b7cc-42010a800002',
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      requestKind: { group: '', version: 'v1', kind: 'Pod' },
      requestResource: { group: '', version: 'v1', resource: 'pods' },
      namespace: o.namespace ?? 'agents',
      operation: o.operation ?? 'CREATE',
      userInfo: { username: 'system:serviceaccount:kube-system:replicaset-controller', groups: ['system:serviceaccounts'] },
      object: pod,
      oldObject: null,
      dryRun: false,
      options: { apiVersion: 'meta.k8s.io/v1', kind: 'CreateOptions' },
    },
  };
}

export const annotated = { 'keybrake.dev/inject': 'true' };

export function plainPod(extra: { annotations?: Record<string, string>; labels?: Record<string, string> } = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { generateName: 'support-agent-7d4b9c-', labels: { app: 'support-agent', ...extra.labels }, annotations: { ...annotated, ...extra.annotations } },
    spec: { containers: [{ name: 'agent', image: 'example.com/support-agent:1.4' }] },
  };
}

/** A pod that already has init containers, volumes, env (one TLS variable of its own) and annotations with `/` and `~` in their keys. */
export function busyPod(): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: 'support-agent-7d4b9c-',
      labels: { app: 'support-agent', tier: 'agents' },
      annotations: { ...annotated, 'example.com/owner': 'payments-team', 'odd~key/with-slash': 'x' },
    },
    spec: {
      serviceAccountName: 'support-agent',
      initContainers: [
        { name: 'fetch-prompts', image: 'example.com/fetch:2', args: ['--to', '/prompts'], volumeMounts: [{ name: 'prompts', mountPath: '/prompts' }] },
      ],
      containers: [
        {
          name: 'agent',
          image: 'example.com/support-agent:1.4',
          env: [
            { name: 'LOG_LEVEL', value: 'debug' },
            { name: 'NODE_EXTRA_CA_CERTS', value: '/etc/corp/ca.pem' },
          ],
          volumeMounts: [{ name: 'prompts', mountPath: '/prompts', readOnly: true }],
          securityContext: { runAsUser: 1000, runAsNonRoot: true, capabilities: { drop: ['ALL'] } },
        },
        { name: 'metrics', image: 'example.com/exporter:3', ports: [{ containerPort: 9100 }] },
      ],
      volumes: [
        { name: 'prompts', emptyDir: {} },
        { name: 'kube-api-access-abcde', projected: { sources: [{ serviceAccountToken: { path: 'token', expirationSeconds: 3607 } }] } },
      ],
    },
  };
}

const GOLDEN = path.join(import.meta.dirname, 'golden');

/** Compares with test/inject/golden/<name>.json; KEYBRAKE_UPDATE_GOLDEN=1 rewrites it (review the diff). */
export function expectGolden(name: string, value: unknown): void {
  const file = path.join(GOLDEN, `${name}.json`);
  const text = `${JSON.stringify(value, null, 2)}\n`;
  if (process.env.KEYBRAKE_UPDATE_GOLDEN === '1') fs.writeFileSync(file, text);
  expect(fs.existsSync(file), `${file} is missing: run once with KEYBRAKE_UPDATE_GOLDEN=1 and review it`).toBe(true);
  expect(JSON.parse(text)).toEqual(JSON.parse(fs.readFileSync(file, 'utf8')));
}
