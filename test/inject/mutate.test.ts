// Golden tests for the mutating webhook: AdmissionReview v1 request in, the
// exact JSON patch out; every patch is applied with a JSON-patch library and
// the result validated against the Kubernetes Pod schema.
import { describe, expect, it } from 'vitest';
import jsonpatch from 'fast-json-patch';
import { Pod as PodModel } from 'kubernetes-models/v1';
import { mutate, type Decision } from '../../src/k8s/inject/mutate.ts';
import { CA_BUNDLE_ENV, PATHS, type SidecarMode } from '../../src/k8s/inject/config.ts';
import type { Container, Pod } from '../../src/k8s/inject/pod.ts';
import { busyPod, CFG, expectGolden, plainPod, review } from './fixtures.ts';

function run(pod: Pod, o: Parameters<typeof review>[1] = {}): Decision {
  const r = review(pod, o);
  // The wire format: what the apiserver sends is JSON, so only JSON survives.
  return mutate(JSON.parse(JSON.stringify(r.request)), CFG);
}

function applied(pod: Pod, d: Decision): Pod {
  expect(d.response.patchType).toBe('JSONPatch');
  const ops = JSON.parse(Buffer.from(d.response.patch!, 'base64').toString('utf8'));
  expect(ops).toEqual(d.ops);
  // validate=true: an add into a missing array, a bad index or a replace of a missing path throws.
  const result = jsonpatch.applyPatch(structuredClone(pod), ops, true, false).newDocument as Pod;
  new PodModel(result as ConstructorParameters<typeof PodModel>[0]).validate();
  return result;
}

const keybrakeNames = new Set(['keybrake-init', 'keybrake-proxy']);

function checkInjected(before: Pod, after: Pod, mode: SidecarMode): void {
  const init = after.spec!.initContainers!;
  const containers = after.spec!.containers;
  expect(after.metadata!.annotations!['keybrake.dev/status']).toBe('injected');
  expect(init[0]!.name).toBe('keybrake-init');
  expect(init[0]!.securityContext!.capabilities).toEqual({ add: ['NET_ADMIN', 'NET_RAW'], drop: ['ALL'] });
  const proxy = (mode === 'native' ? init[1] : containers![0]) as Container;
  expect(proxy.name).toBe('keybrake-proxy');
  expect(proxy.restartPolicy).toBe(mode === 'native' ? 'Always' : undefined);
  expect(proxy.securityContext).toMatchObject({
    runAsUser: 17777,
    runAsGroup: 17777,
    runAsNonRoot: true,
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
  });
  expect(proxy.startupProbe).toMatchObject({ httpGet: { path: '/readyz', port: 17020 } });
  // The pod's own containers, untouched but for the CA bundle: same order, same fields.
  const own = (list?: Container[]) => (list ?? []).filter((c) => !keybrakeNames.has(c.name));
  expect(own(containers).map((c) => c.name)).toEqual(before.spec!.containers!.map((c) => c.name));
  expect(own(init).map((c) => c.name)).toEqual((before.spec!.initContainers ?? []).map((c) => c.name));
  const agents = [...own(containers), ...(mode === 'native' ? own(init) : [])];
  for (const c of agents) {
    expect(c.volumeMounts).toContainEqual({ name: 'keybrake-ca-bundle', mountPath: PATHS.caBundleDir, readOnly: true });
    for (const name of CA_BUNDLE_ENV) expect(c.env!.filter((e) => e.name === name)).toEqual([{ name, value: PATHS.caBundleFile }]);
    // Nothing secret reaches an agent container.
    expect(c.volumeMounts!.map((m) => m.name).filter((n) => /^keybrake-(ca|tokens|admin-tokens)$|^keybrake-secret-/.test(n))).toEqual([]);
  }
  const volumeNames = after.spec!.volumes!.map((v) => v.name);
  expect(new Set(volumeNames).size).toBe(volumeNames.length);
  for (const v of before.spec!.volumes ?? []) expect(after.spec!.volumes).toContainEqual(v);
  for (const [k, v] of Object.entries(before.metadata!.annotations!)) expect(after.metadata!.annotations![k]).toBe(v);
}

describe('injection: exact patches', () => {
  const cases: Array<{ name: string; pod: () => Pod; mode: SidecarMode }> = [
    { name: 'plain-pod', pod: () => plainPod(), mode: 'native' },
    { name: 'busy-pod', pod: busyPod, mode: 'native' },
    {
      name: 'busy-pod-container-mode',
      pod: () => {
        const p = busyPod();
        p.metadata!.annotations!['keybrake.dev/sidecar-mode'] = 'container';
        return p;
      },
      mode: 'container',
    },
  ];

  it.each(cases)('$name', ({ name, pod, mode }) => {
    const before = pod();
    const d = run(before);
    expect(d.outcome).toBe('injected');
    expect(d.response).toMatchObject({ uid: '705ab4f5-6393-11e8-b7cc-42010a800002', allowed: true });
    expectGolden(name, d.ops);
    const after = applied(before, d);
    checkInjected(before, after, mode);

    // A second pass (reinvocationPolicy: IfNeeded, or a re-submitted pod) changes nothing.
    const again = run(after);
    expect(again).toMatchObject({ outcome: 'skipped', reason: 'already injected', ops: [] });
    expect(again.response).toEqual({ uid: '705ab4f5-6393-11e8-b7cc-42010a800002', allowed: true });
  });

  it('escapes `/` in the status annotation key as ~1 and keeps keys with ~ intact', () => {
    const d = run(busyPod());
    expect(d.ops[0]).toEqual({ op: 'add', path: '/metadata/annotations/keybrake.dev~1status', value: 'injected' });
    expect(applied(busyPod(), d).metadata!.annotations!['odd~key/with-slash']).toBe('x');
  });

  it('mounts exactly the Secrets the selecting policies reference, only in the sidecar', () => {
    const after = applied(busyPod(), run(busyPod()));
    const proxy = after.spec!.initContainers![1]!;
    expect(proxy.volumeMounts!.filter((m) => m.mountPath.startsWith(`${PATHS.secrets}/`))).toEqual([
      // The tokens Secret, also where the proxy reads its admin and Alertmanager tokens.
      { name: 'keybrake-admin-tokens', mountPath: '/etc/keybrake/secrets/keybrake-admin', readOnly: true },
      { name: 'keybrake-secret-stripe-live', mountPath: '/etc/keybrake/secrets/stripe-live', readOnly: true },
      { name: 'keybrake-secret-twilio-live', mountPath: '/etc/keybrake/secrets/twilio-live', readOnly: true },
    ]);
    expect(proxy.volumeMounts).toContainEqual({ name: 'keybrake-tokens', mountPath: '/etc/keybrake/tokens', readOnly: true });
    // A pod no policy selects gets the sidecar (which refuses every call) and no vendor Secret.
    const other = plainPod({ labels: { app: 'other' } });
    expect(applied(other, run(other)).spec!.volumes!.filter((v) => v.name.startsWith('keybrake-secret-'))).toEqual([]);
  });

  it('tells the user when it replaces a TLS variable of their own', () => {
    expect(run(busyPod()).response.warnings).toEqual([
      'keybrake: container agent: NODE_EXTRA_CA_CERTS now points at the keybrake CA bundle (system roots + mesh CA)',
    ]);
  });
});

describe('what the webhook leaves alone', () => {
  it.each([
    ['an unannotated pod', () => run({ ...plainPod(), metadata: { generateName: 'x-', labels: {} } }), 'no keybrake.dev/inject: "true" annotation'],
    ['inject: "false"', () => run(plainPod({ annotations: { 'keybrake.dev/inject': 'false' } })), 'no keybrake.dev/inject: "true" annotation'],
    ['an UPDATE', () => run(plainPod(), { operation: 'UPDATE' }), 'operation UPDATE'],
    ["the controller's own pod", () => run(plainPod({ labels: { 'app.kubernetes.io/name': 'keybrake-controller' } })), 'the keybrake controller itself'],
  ])('%s', (_name, decide, reason) => {
    const d = decide();
    expect(d).toMatchObject({ outcome: 'skipped', reason, ops: [] });
    expect(d.response.allowed).toBe(true);
    expect(d.response.patch).toBeUndefined();
  });
});

describe('refusals say what to change', () => {
  const withContainer = (c: Partial<Container>, podExtra: Partial<NonNullable<Pod['spec']>> = {}): Pod => {
    const p = plainPod();
    p.spec = { ...p.spec, containers: [{ name: 'agent', image: 'example.com/a:1', ...c }], ...podExtra };
    return p;
  };
  const prefix = 'keybrake refused to inject pod support-agent-7d4b9c-*: ';
  const cases: Array<[string, Pod, string]> = [
    [
      'NET_ADMIN',
      withContainer({ securityContext: { capabilities: { add: ['NET_ADMIN'] } } }),
      'spec.containers[0] (agent): securityContext.capabilities.add has NET_ADMIN, which can bypass the redirect: remove it',
    ],
    [
      'NET_RAW (CAP_ spelling)',
      withContainer({ securityContext: { capabilities: { add: ['CAP_NET_RAW'] } } }),
      'spec.containers[0] (agent): securityContext.capabilities.add has NET_RAW, which can bypass the redirect: remove it',
    ],
    [
      'SYS_ADMIN in an init container',
      (() => {
        const p = withContainer({});
        p.spec!.initContainers = [{ name: 'setup', image: 'x', securityContext: { capabilities: { add: ['SYS_ADMIN', 'CHOWN'] } } }];
        return p;
      })(),
      'spec.initContainers[0] (setup): securityContext.capabilities.add has SYS_ADMIN, which can bypass the redirect: remove it',
    ],
    [
      'privileged',
      withContainer({ securityContext: { privileged: true } }),
      'spec.containers[0] (agent): securityContext.privileged: true can rewrite the redirect: remove it',
    ],
    [
      'runAsUser 17777',
      withContainer({ securityContext: { runAsUser: 17777 } }),
      "spec.containers[0] (agent): securityContext.runAsUser is 17777, the keybrake sidecar's UID, whose traffic is not redirected: run as another UID",
    ],
    [
      'runAsGroup 17777 from the pod',
      withContainer({}, { securityContext: { runAsGroup: 17777 } }),
      "spec.containers[0] (agent): spec.securityContext.runAsGroup (inherited) is 17777, the keybrake sidecar's GID: run as another group",
    ],
    ['hostNetwork', withContainer({}, { hostNetwork: true }), "spec.hostNetwork: true uses the node's network, where the redirect does not apply: remove it"],
    [
      'shareProcessNamespace',
      withContainer({}, { shareProcessNamespace: true }),
      "spec.shareProcessNamespace: true would let the agent read the sidecar's memory and files (its CA key and vendor keys): remove it",
    ],
    [
      'an Istio exclusion annotation',
      plainPod({ annotations: { 'traffic.sidecar.istio.io/excludeOutboundIPRanges': '10.0.0.0/8' } }),
      "annotation traffic.sidecar.istio.io/excludeOutboundIPRanges asks to exempt outbound traffic from redirection, which keybrake never does: remove it; a destination the agent needs goes in the policy's passthrough list",
    ],
    [
      'a keybrake-style exclusion annotation',
      plainPod({ annotations: { 'keybrake.dev/exclude-outbound-ports': '5432' } }),
      "annotation keybrake.dev/exclude-outbound-ports is not a keybrake setting (nothing can exempt traffic from the redirect): remove it; a destination the agent needs goes in the policy's passthrough list",
    ],
    [
      'a bad sidecar mode',
      plainPod({ annotations: { 'keybrake.dev/sidecar-mode': 'sidecar' } }),
      'annotation keybrake.dev/sidecar-mode is "sidecar": use native or container',
    ],
  ];

  it.each(cases)('%s', (_name, pod, message) => {
    const d = run(pod);
    expect(d.outcome).toBe('refused');
    expect(d.response).toEqual({
      uid: '705ab4f5-6393-11e8-b7cc-42010a800002',
      allowed: false,
      status: { code: 403, reason: 'Forbidden', message: prefix + message },
    });
  });

  it('lists every problem at once', () => {
    const d = run(withContainer({ securityContext: { privileged: true, runAsUser: 17777 } }, { hostNetwork: true }));
    expect(d.response.status!.message.split('; ')).toHaveLength(3);
  });

  it('refuses a pod that claims to be injected but is not (a forged status annotation)', () => {
    const d = run(plainPod({ annotations: { 'keybrake.dev/status': 'injected' } }));
    expect(d.response.status!.message).toBe(
      'keybrake: pod support-agent-7d4b9c-* carries part of an injection (keybrake.dev/status or a keybrake-init/keybrake-proxy container) but not all of it: remove them and let the webhook inject',
    );
  });

  it("refuses a volume named like keybrake's", () => {
    const p = plainPod();
    p.spec!.volumes = [{ name: 'keybrake-ca', emptyDir: {} }];
    expect(run(p).response.status!.message).toBe(`${prefix}spec.volumes has "keybrake-ca"; names starting with keybrake- are keybrake's: rename it`);
  });
});
