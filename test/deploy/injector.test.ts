// The chart and the injector agree: the chart's MutatingWebhookConfiguration and agent NetworkPolicy
// are the objects src/k8s/inject builds (the chart only widens the excluded namespaces), and each
// example agent, run through the real webhook function, comes out with a hardened sidecar and a Pod
// that validates.
import fs from 'node:fs';
import path from 'node:path';
import { applyPatch } from 'fast-json-patch';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  buildAgentNetworkPolicy, buildMutatingWebhookConfiguration, injectConfig, mutate, INIT_CONTAINER, PROXY_CONTAINER, SIDECAR_UID,
} from '../../src/k8s/inject/index.ts';
import { validateObject } from './models.ts';
import { CHART, NAMESPACE, ROOT, helmTemplate, parseObjects, type K8sObject } from './render.ts';

const values = parse(fs.readFileSync(path.join(CHART, 'values.yaml'), 'utf8'));
const objects = parseObjects(helmTemplate());
const chartWebhook = objects.find((o) => o.kind === 'MutatingWebhookConfiguration') as any;
const image = (objects.find((o) => o.kind === 'Deployment') as any).spec.template.spec.containers[0].image as string;

describe('chart objects are the injector\'s own', () => {
  const built = buildMutatingWebhookConfiguration({ namespace: NAMESPACE, timeoutSeconds: values.webhook.timeoutSeconds }) as any;

  it('MutatingWebhookConfiguration: same name and webhook; the chart excludes more namespaces, never fewer', () => {
    expect(chartWebhook.metadata.name).toBe(built.metadata.name);
    const { namespaceSelector: chartNs, ...chartRest } = chartWebhook.webhooks[0];
    const { namespaceSelector: builtNs, ...builtRest } = built.webhooks[0];
    expect(chartRest).toEqual(builtRest);
    const [c] = chartNs.matchExpressions;
    const [b] = builtNs.matchExpressions;
    expect({ ...c, values: undefined }).toEqual({ ...b, values: undefined });
    expect(c.values).toEqual(expect.arrayContaining([...b.values, NAMESPACE]));
  });

  it('agent NetworkPolicy: the builder\'s, with the API server ports of the values', () => {
    for (const agent of values.agents) {
      const np = objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata.namespace === agent.namespace) as any;
      const extra = values.networkPolicy.apiServerPorts.filter((p: number) => p !== 443);
      const expected = buildAgentNetworkPolicy({ namespace: agent.namespace, extraTcpPorts: extra }) as any;
      expect(np.spec).toEqual(expected.spec);
      expect(np.metadata.name).toBe(expected.metadata.name);
    }
  });
});

describe.each(['support-refunds', 'sms-notifier', 'email-agent'])('the webhook on deploy/examples/%s', (dir) => {
  const deployment = parseObjects(fs.readFileSync(path.join(ROOT, 'deploy/examples', dir, 'deployment.yaml'), 'utf8')).find((o) => o.kind === 'Deployment') as any;
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { ...deployment.spec.template.metadata, generateName: `${dir}-`, namespace: 'agents' }, spec: deployment.spec.template.spec };
  const policy = parse(fs.readFileSync(path.join(ROOT, 'deploy/examples', dir, 'policy.yaml'), 'utf8'));
  const vendorSecrets = policy.spec.vendors.map((v: any) => v.credential.secretRef.name);
  const cfg = injectConfig({ image, secretsFor: () => vendorSecrets });
  const decision = mutate({ uid: 'u1', kind: { group: '', version: 'v1', kind: 'Pod' }, resource: { group: '', version: 'v1', resource: 'pods' }, namespace: 'agents', operation: 'CREATE', object: structuredClone(pod) }, cfg);
  const patched = applyPatch(structuredClone(pod), decision.ops as never, true, false).newDocument as K8sObject & { spec: any };

  it('is injected, and the patched Pod validates', async () => {
    expect(decision.outcome, decision.reason).toBe('injected');
    await validateObject(patched);
  });

  it('the sidecar is a native sidecar running as 17777, read-only, no escalation, no capability, with the vendor Secret', () => {
    const sidecar = patched.spec.initContainers.find((c: any) => c.name === PROXY_CONTAINER);
    expect(sidecar.restartPolicy).toBe('Always');
    expect(sidecar.image).toBe(image);
    expect(sidecar.securityContext).toMatchObject({
      runAsUser: SIDECAR_UID, runAsGroup: SIDECAR_UID, runAsNonRoot: true, privileged: false,
      allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] },
    });
    for (const s of vendorSecrets) expect(sidecar.volumeMounts.map((m: any) => m.mountPath)).toContain(`/etc/keybrake/secrets/${s}`);
  });

  it('only the init container gets NET_ADMIN/NET_RAW; the agent gets the CA bundle and never the vendor Secret', () => {
    const init = patched.spec.initContainers.find((c: any) => c.name === INIT_CONTAINER);
    expect(init.securityContext.capabilities).toEqual({ add: ['NET_ADMIN', 'NET_RAW'], drop: ['ALL'] });
    const agent = patched.spec.containers.find((c: any) => c.name === 'agent');
    expect(agent.securityContext.capabilities).toEqual({ drop: ['ALL'] });
    expect(agent.env.map((e: any) => e.name)).toEqual(expect.arrayContaining(['SSL_CERT_FILE', 'NODE_EXTRA_CA_CERTS']));
    const agentVolumes = new Set(agent.volumeMounts.map((m: any) => m.name));
    for (const v of patched.spec.volumes.filter((x: any) => vendorSecrets.includes(x.secret?.secretName))) expect(agentVolumes.has(v.name)).toBe(false);
  });
});
