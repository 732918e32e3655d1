// The webhook over real HTTPS with the AdmissionReview v1 wire format, the
// MutatingWebhookConfiguration it ships with (its match rules evaluated, not
// just read), and the agent-namespace NetworkPolicy.
import https from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import jsonpatch from 'fast-json-patch';
import { celEnv, CelScalar, mapType, parse, plan } from '@bufbuild/cel';
import { Pod as PodModel } from 'kubernetes-models/v1';
import { MutatingWebhookConfiguration } from 'kubernetes-models/admissionregistration.k8s.io/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { generateCa, loadCa } from '../../src/pki/ca.ts';
import { createLeafKey, issueLeaf } from '../../src/pki/certs.ts';
import { toPem } from '../../src/pki/x509.ts';
import { createMutateHandler, startWebhookServer, type WebhookServer } from '../../src/k8s/inject/handler.ts';
import { buildMutatingWebhookConfiguration } from '../../src/k8s/inject/webhook-config.ts';
import { buildAgentNetworkPolicy } from '../../src/k8s/inject/network-policy.ts';
import { escapePointer } from '../../src/k8s/inject/patch.ts';
import type { Pod } from '../../src/k8s/inject/pod.ts';
import { CFG, plainPod, review } from './fixtures.ts';

const SERVICE_HOST = 'keybrake-controller.keybrake.svc';

describe('POST /mutate over HTTPS', () => {
  let server: WebhookServer;
  let caPem: string;
  const decisions: string[] = [];

  beforeAll(async () => {
    const ca = generateCa({ commonName: 'keybrake webhook test CA' });
    caPem = ca.certPem;
    const key = createLeafKey();
    const now = Date.now();
    const cert = toPem(issueLeaf(loadCa(ca.certPem, ca.keyPem), key, SERVICE_HOST, { notBefore: new Date(now - 60_000), notAfter: new Date(now + 3_600_000) }));
    const handler = createMutateHandler(CFG, { onDecision: (d) => decisions.push(d.outcome) });
    server = await startWebhookServer({ cert, key: key.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, host: '127.0.0.1', port: 0, handler });
  });
  afterAll(() => server?.close());

  /** What the apiserver does: POST JSON to the service path with ?timeout, verifying the serving certificate. */
  function post(body: string, o: { path?: string; method?: string; contentType?: string } = {}): Promise<{ status: number; json: any }> {
    return new Promise((resolve, reject) => {
      const req = https.request(
        {
          host: '127.0.0.1',
          port: server.address.port,
          servername: SERVICE_HOST,
          ca: caPem,
          method: o.method ?? 'POST',
          path: o.path ?? '/mutate?timeout=10s',
          headers: { 'content-type': o.contentType ?? 'application/json', accept: 'application/json' },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode!, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  it('answers an annotated pod with a JSONPatch the apiserver can apply', async () => {
    const pod = plainPod();
    const { status, json } = await post(JSON.stringify(review(pod, { uid: 'uid-1' })));
    expect(status).toBe(200);
    expect(json.apiVersion).toBe('admission.k8s.io/v1');
    expect(json.kind).toBe('AdmissionReview');
    expect(json.response).toMatchObject({ uid: 'uid-1', allowed: true, patchType: 'JSONPatch' });
    const ops = JSON.parse(Buffer.from(json.response.patch, 'base64').toString('utf8'));
    const patched = jsonpatch.applyPatch(structuredClone(pod), ops, true, false).newDocument as Pod;
    new PodModel(patched as ConstructorParameters<typeof PodModel>[0]).validate();
    expect(patched.spec!.initContainers!.map((c) => c.name)).toEqual(['keybrake-init', 'keybrake-proxy']);
    // The patched pod coming round again is left alone.
    const again = await post(JSON.stringify(review(patched, { uid: 'uid-2' })));
    expect(again.json.response).toEqual({ uid: 'uid-2', allowed: true });
  });

  it('refuses a bypass-capable pod with 403 and the fix in the message', async () => {
    const pod = plainPod();
    pod.spec!.hostNetwork = true;
    const { status, json } = await post(JSON.stringify(review(pod, { uid: 'uid-3' })));
    expect(status).toBe(200);
    expect(json.response.allowed).toBe(false);
    expect(json.response.status.code).toBe(403);
    expect(json.response.status.message).toContain('spec.hostNetwork: true');
    expect(decisions).toContain('refused');
  });

  it.each([
    ['not JSON', 'nope', {}, 400, 'body is not JSON'],
    ['a v1beta1 review', JSON.stringify({ ...review(plainPod()), apiVersion: 'admission.k8s.io/v1beta1' }), {}, 400, 'expected apiVersion admission.k8s.io/v1'],
    ['no request uid', JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: {} }), {}, 400, 'request.uid is missing'],
    ['a form body', 'a=b', { contentType: 'application/x-www-form-urlencoded' }, 415, 'content-type must be application/json'],
    ['a GET', '', { method: 'GET' }, 405, 'POST an AdmissionReview to /mutate'],
    ['another path', '{}', { path: '/validate' }, 404, 'the webhook path is /mutate'],
  ])('answers %s with an HTTP error the apiserver turns into a refusal', async (_n, body, o, code, message) => {
    const { status, json } = await post(body, o);
    expect(status).toBe(code);
    expect(json.error).toContain(message);
  });
});

describe('MutatingWebhookConfiguration', () => {
  const mwc = buildMutatingWebhookConfiguration({ namespace: 'keybrake', caBundle: Buffer.from('pem').toString('base64') }) as any;
  const hook = mwc.webhooks[0];

  it('is a valid object that fails closed on pod CREATE only', () => {
    new MutatingWebhookConfiguration(mwc).validate();
    expect(hook).toMatchObject({ failurePolicy: 'Fail', sideEffects: 'None', admissionReviewVersions: ['v1'], reinvocationPolicy: 'IfNeeded' });
    expect(hook.rules).toEqual([{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], scope: 'Namespaced' }]);
    expect(hook.clientConfig.service).toEqual({ namespace: 'keybrake', name: 'keybrake-controller', path: '/mutate', port: 17443 });
  });

  /** matchExpressions as the apiserver evaluates them (In / NotIn; a missing label is "not in"). */
  const selects = (sel: { matchExpressions: Array<{ key: string; operator: string; values: string[] }> }, labels: Record<string, string>) =>
    sel.matchExpressions.every((e) => (e.operator === 'In' ? e.values.includes(labels[e.key]!) : !(e.key in labels) || !e.values.includes(labels[e.key]!)));

  const env = celEnv({ variables: { object: mapType(CelScalar.STRING, CelScalar.DYN) } });
  const condition = plan(env, parse(hook.matchConditions[0].expression));
  const matches = (pod: Pod, ns = 'agents') =>
    selects(hook.namespaceSelector, { 'kubernetes.io/metadata.name': ns }) &&
    selects(hook.objectSelector, pod.metadata?.labels ?? {}) &&
    condition({ object: pod as never }) === true;

  it('matches annotated pods and nothing else', () => {
    expect(matches(plainPod())).toBe(true);
    expect(matches(plainPod({ annotations: { 'keybrake.dev/inject': 'false' } }))).toBe(false);
    expect(matches({ metadata: { labels: {} }, spec: {} })).toBe(false);
    expect(matches({ metadata: { annotations: { other: 'x' } }, spec: {} })).toBe(false);
  });

  it("never matches the controller's own pods or kube-system, annotated or not", () => {
    expect(matches(plainPod({ labels: { 'app.kubernetes.io/name': 'keybrake-controller' } }))).toBe(false);
    expect(matches(plainPod(), 'kube-system')).toBe(false);
  });
});

describe('agent-namespace NetworkPolicy', () => {
  it('lets pods out on 443 and DNS only', () => {
    const np = buildAgentNetworkPolicy({ namespace: 'agents' }) as any;
    new NetworkPolicy(np).validate();
    expect(np.spec.policyTypes).toEqual(['Egress']);
    const ports = np.spec.egress.flatMap((r: any) => r.ports.map((p: any) => `${p.protocol}/${p.port}`));
    expect(ports.sort()).toEqual(['TCP/443', 'TCP/53', 'UDP/53']);
    expect(np.spec.egress[1].to).toEqual([
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } },
    ]);
  });

  it('adds the ports the sidecar needs besides vendors when given (API server endpoint, Redis)', () => {
    const np = buildAgentNetworkPolicy({ namespace: 'agents', extraTcpPorts: [6443, 6379] }) as any;
    expect(np.spec.egress[0].ports).toEqual([443, 6443, 6379].map((port) => ({ protocol: 'TCP', port })));
  });
});

describe('JSON pointer escaping', () => {
  it.each([
    ['keybrake.dev/status', 'keybrake.dev~1status'],
    ['a~b', 'a~0b'],
    ['~1', '~01'], // ~ first, or this would come back as "/"
  ])('%s → %s', (raw, escaped) => expect(escapePointer(raw)).toBe(escaped));
});
