// The security-relevant fields of what the chart renders (default values and every documented
// variant): the webhook fails closed only for annotated pods and never sees the controller; RBAC has
// no wildcard and no Secret access; the controller runs non-root and read-only; the mesh CA is
// name-constrained; agent namespaces may send only HTTPS and DNS.
import { celEnv, parse as parseCel, plan, CelScalar, mapType, isCelError } from '@bufbuild/cel';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_INJECT_CONFIG } from '../../src/k8s/inject/index.ts';
import { CHART, NAMESPACE, helmTemplate, parseObjects, valuesVariants, type K8sObject } from './render.ts';

const values = parse(fs.readFileSync(path.join(CHART, 'values.yaml'), 'utf8'));
const rendered = new Map<string, K8sObject[]>([['(defaults)', parseObjects(helmTemplate())]]);
for (const v of valuesVariants()) rendered.set(v, parseObjects(helmTemplate([v])));
const objects = rendered.get('(defaults)')!;
const one = (kind: string, name?: string): any => {
  const found = objects.filter((o) => o.kind === kind && (!name || o.metadata.name === name));
  expect(found, `${kind} ${name ?? ''}`).toHaveLength(1);
  return found[0];
};
const controller = one('Deployment', 'keybrake-controller');
const podSpec = controller.spec.template.spec;
const container = podSpec.containers[0];
const webhook = one('MutatingWebhookConfiguration', 'keybrake-sidecar-injector').webhooks[0];

describe('MutatingWebhookConfiguration', () => {
  it('fails closed, on pod CREATE only, with no side effects, v1 reviews, 5 s and reinvocation', () => {
    expect(webhook).toMatchObject({
      failurePolicy: 'Fail',
      sideEffects: 'None',
      reinvocationPolicy: 'IfNeeded',
      timeoutSeconds: 5,
      admissionReviewVersions: ['v1'],
      rules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'], scope: 'Namespaced' }],
    });
  });

  it('its matchCondition (CEL, evaluated here) passes only pods annotated keybrake.dev/inject: "true"', () => {
    expect(webhook.matchConditions).toHaveLength(1);
    const env = celEnv({ variables: { object: mapType(CelScalar.STRING, CelScalar.DYN) } });
    const program = plan(env, parseCel(webhook.matchConditions[0].expression));
    const matches = (metadata: object) => {
      const r = program({ object: { metadata } as never });
      if (isCelError(r)) throw r;
      return r;
    };
    expect(matches({ annotations: { 'keybrake.dev/inject': 'true' } })).toBe(true);
    expect(matches({ annotations: { 'keybrake.dev/inject': 'false' } })).toBe(false);
    expect(matches({ annotations: { 'keybrake.dev/inject': 'TRUE' } })).toBe(false);
    expect(matches({ annotations: { other: 'true' } })).toBe(false);
    expect(matches({ labels: { 'keybrake.dev/inject': 'true' } })).toBe(false);
  });

  it('never sees the controller pods: objectSelector excludes their label, namespaceSelector their namespace', () => {
    const podLabels = controller.spec.template.metadata.labels;
    expect(podLabels['app.kubernetes.io/name']).toBe('keybrake-controller');
    expect(webhook.objectSelector.matchExpressions).toEqual([{ key: 'app.kubernetes.io/name', operator: 'NotIn', values: ['keybrake-controller'] }]);
    const ns = webhook.namespaceSelector.matchExpressions;
    expect(ns).toEqual([{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: [NAMESPACE, ...values.webhook.excludeNamespaces] }]);
    expect(ns[0].values).toContain('kube-system');
  });

  it('reaches the controller over TLS at /mutate on port 17443, with the caBundle injected by cert-manager', () => {
    const svc = one('Service', webhook.clientConfig.service.name);
    expect(webhook.clientConfig.service).toEqual({ name: svc.metadata.name, namespace: NAMESPACE, path: '/mutate', port: 17443 });
    const port = svc.spec.ports.find((p: any) => p.port === webhook.clientConfig.service.port);
    expect(container.ports.find((p: any) => p.name === port.targetPort).containerPort).toBe(17443);
    expect(svc.spec.selector).toEqual(controller.spec.selector.matchLabels);
    const [certNs, certName] = one('MutatingWebhookConfiguration', 'keybrake-sidecar-injector').metadata.annotations['cert-manager.io/inject-ca-from'].split('/');
    const cert = one('Certificate', certName);
    expect(cert.metadata.namespace).toBe(certNs);
    expect(cert.spec.dnsNames).toContain(`${svc.metadata.name}.${NAMESPACE}.svc`);
    const mounted = podSpec.volumes.find((v: any) => v.secret?.secretName === cert.spec.secretName);
    expect(container.volumeMounts.find((m: any) => m.name === mounted.name).mountPath).toBe('/etc/keybrake/webhook');
  });
});

describe('RBAC', () => {
  const allRules = [...rendered].flatMap(([variant, objs]) =>
    objs.filter((o) => o.kind === 'Role' || o.kind === 'ClusterRole').flatMap((r: any) => r.rules.map((rule: any) => ({ variant, role: `${r.kind}/${r.metadata.name}`, ...rule }))),
  );

  it('has no wildcard, no cluster-wide Secret access and no privilege-escalating verb in any variant', () => {
    expect(allRules.length).toBeGreaterThan(5);
    for (const r of allRules) {
      const where = `${r.variant} ${r.role}`;
      for (const field of ['apiGroups', 'resources', 'verbs', 'resourceNames']) expect(r[field] ?? [], where).not.toContain('*');
      const secrets = r.resources.some((x: string) => x === 'secrets' || x.startsWith('secrets/'));
      // Secrets: only the controller's existence check, a namespaced get (never list/watch) in an agent namespace.
      if (secrets) {
        expect(r.role, where).toBe('Role/keybrake-controller-secret-check');
        expect(r.resources, where).toEqual(['secrets']);
        expect(r.verbs, where).toEqual(['get']);
      }
      if (r.role.startsWith('ClusterRole/')) expect(secrets, where).toBe(false);
      expect(r.verbs.filter((v: string) => ['escalate', 'bind', 'impersonate', 'deletecollection'].includes(v)), where).toEqual([]);
      expect(r.nonResourceURLs, where).toBeUndefined();
    }
  });

  it('the Secret existence check is bound only to the controller, only in agent namespaces', () => {
    const roles = objects.filter((o) => o.kind === 'Role' && o.metadata.name === 'keybrake-controller-secret-check');
    expect(roles.map((r) => r.metadata.namespace)).toEqual(values.agents.map((a: any) => a.namespace));
    const bindings = objects.filter((o) => o.kind === 'RoleBinding' && (o as any).roleRef.name === 'keybrake-controller-secret-check') as any[];
    expect(bindings.map((b) => b.subjects)).toEqual(values.agents.map(() => [{ kind: 'ServiceAccount', name: 'keybrake-controller', namespace: NAMESPACE }]));
  });

  it('the sidecar may only get/list/watch the keybrake-policies ConfigMap of its namespace, bound to the listed agents', () => {
    for (const agent of values.agents) {
      const role = objects.find((o) => o.kind === 'Role' && o.metadata.name === 'keybrake-sidecar' && o.metadata.namespace === agent.namespace) as any;
      expect(role.rules).toEqual([{ apiGroups: [''], resources: ['configmaps'], resourceNames: ['keybrake-policies'], verbs: ['get', 'list', 'watch'] }]);
      const binding = objects.find((o) => o.kind === 'RoleBinding' && o.metadata.name === 'keybrake-sidecar' && o.metadata.namespace === agent.namespace) as any;
      expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role.metadata.name });
      expect(binding.subjects).toEqual(agent.serviceAccounts.map((name: string) => ({ kind: 'ServiceAccount', name, namespace: agent.namespace })));
    }
    expect(objects.filter((o) => o.kind === 'ClusterRoleBinding').map((b: any) => b.subjects)).toEqual([[{ kind: 'ServiceAccount', name: 'keybrake-controller', namespace: NAMESPACE }]]);
  });

  it('the controller gets exactly what its jobs need (pods/proxy create is the kill fan-out)', () => {
    const rules = one('ClusterRole', 'keybrake-controller').rules.map((r: any) => `${r.apiGroups.join(',')}|${r.resources.join(',')}|${r.verbs.join(',')}`);
    expect(rules).toEqual([
      'keybrake.dev|egresspolicies|get,list,watch,patch',
      'keybrake.dev|egresspolicies/status|get,patch,update',
      '|configmaps|get,list,watch,create,update,patch',
      '|pods|get,list,watch',
      '|pods/proxy|create',
      ',events.k8s.io|events|create,patch',
    ]);
    const leader = one('Role', 'keybrake-controller-leader');
    expect(leader.metadata.namespace).toBe(NAMESPACE);
    expect(leader.rules).toEqual([
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: ['keybrake-controller'], verbs: ['get', 'watch', 'update'] },
    ]);
    expect(container.args).toContain('--lease-name=keybrake-controller');
  });
});

describe('controller workload', () => {
  it('runs two replicas as 17777, non-root, read-only, no escalation, no capabilities, RuntimeDefault seccomp', () => {
    expect(controller.spec.replicas).toBe(2);
    expect(podSpec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 17777, runAsGroup: 17777, seccompProfile: { type: 'RuntimeDefault' } });
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      runAsUser: 17777,
      runAsGroup: 17777,
      capabilities: { drop: ['ALL'] },
    });
    for (const f of ['hostNetwork', 'hostPID', 'hostIPC', 'shareProcessNamespace']) expect(podSpec[f]).toBeUndefined();
    expect(podSpec.serviceAccountName).toBe('keybrake-controller');
  });

  it('listens on the contract ports (17080 HTTP, 17443 webhook) and probes /healthz and /readyz', () => {
    expect(container.ports).toEqual([
      { name: 'http', containerPort: 17080, protocol: 'TCP' },
      { name: 'webhook', containerPort: 17443, protocol: 'TCP' },
    ]);
    expect(container.args[0]).toBe('controller');
    expect(container.args).toEqual(expect.arrayContaining(['--listen=0.0.0.0:17080', '--webhook-listen=0.0.0.0:17443', '--webhook-tls-dir=/etc/keybrake/webhook', `--sidecar-image=${container.image}`]));
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(container.image).toBe(`ghcr.io/keybrake/keybrake:${JSON.parse(fs.readFileSync(path.join(CHART, '../../package.json'), 'utf8')).version}`);
  });

  it('a PodDisruptionBudget keeps one webhook replica through drains', () => {
    const pdb = one('PodDisruptionBudget');
    expect(pdb.spec).toEqual({ minAvailable: 1, selector: { matchLabels: controller.spec.selector.matchLabels } });
  });
});

describe('mesh CA and agent egress', () => {
  it('the mesh CA is an intermediate, critically name-constrained to the vendor hosts, no IP address', () => {
    const mesh = objects.find((o) => o.kind === 'Certificate' && o.metadata.name === 'keybrake-mesh-ca') as any;
    expect(mesh.metadata.namespace).toBe('agents');
    expect(mesh.spec.isCA).toBe(true);
    expect(mesh.spec.nameConstraints).toEqual({
      critical: true,
      permitted: { dnsDomains: values.meshCA.permittedDNSDomains },
      excluded: { ipRanges: ['0.0.0.0/0', '::/0'] },
    });
    // the Secret the injector mounts into every sidecar
    expect(mesh.spec.secretName).toBe(DEFAULT_INJECT_CONFIG.caSecret);
    // issued by the namespace's root, not self-signed
    const issuer = objects.find((o) => o.kind === 'Issuer' && o.metadata.namespace === 'agents' && o.metadata.name === mesh.spec.issuerRef.name) as any;
    const root = objects.find((o) => o.kind === 'Certificate' && o.metadata.namespace === 'agents' && (o as any).spec.secretName === issuer.spec.ca.secretName) as any;
    expect(root.spec.isCA).toBe(true);
    expect(root.spec.secretName).not.toBe(mesh.spec.secretName);
  });

  it('agent namespaces may send only TCP 443 (and the API server port) and DNS to kube-dns', () => {
    const np = one('NetworkPolicy', 'keybrake-agent-egress');
    expect(np.metadata.namespace).toBe('agents');
    expect(np.spec.podSelector).toEqual({});
    expect(np.spec.policyTypes).toEqual(['Egress']);
    expect(np.spec.egress).toEqual([
      { ports: [{ protocol: 'TCP', port: 443 }, { protocol: 'TCP', port: 6443 }] },
      {
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
        ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }],
      },
    ]);
  });
});
