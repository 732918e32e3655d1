// deploy/examples: each agent is a Deployment that opts in to injection plus the EgressPolicy that
// governs it. The policies pass the proxy's own validator; the Deployments validate against the Pod
// schema and never see the vendor Secret (test/deploy/injector.test.ts runs the real webhook on them).
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { readPolicies } from '../../src/policy/validator.ts';
import { formatProblem } from '../../src/policy/feed.ts';
import { registryValidator } from '../../src/commands/policy-setup.ts';
import { validateObject } from './models.ts';
import { CHART, ROOT, parseObjects } from './render.ts';

const EXAMPLES = path.join(ROOT, 'deploy/examples');
const agents: Array<{ namespace: string; serviceAccounts: string[] }> = parse(fs.readFileSync(path.join(CHART, 'values.yaml'), 'utf8')).agents;
const cases = [
  ['support-refunds', 'stripe'],
  ['sms-notifier', 'twilio'],
  ['email-agent', 'resend'],
] as const;

describe.each(cases)('deploy/examples/%s', (dir, vendor) => {
  const policyText = fs.readFileSync(path.join(EXAMPLES, dir, 'policy.yaml'), 'utf8');
  const objects = parseObjects(fs.readFileSync(path.join(EXAMPLES, dir, 'deployment.yaml'), 'utf8'));
  const deployment = objects.find((o) => o.kind === 'Deployment') as any;
  const pod = deployment.spec.template;

  it(`its EgressPolicy (${vendor}) passes the proxy's policy validator`, () => {
    const { policies: docs, problems } = readPolicies([{ name: `${dir}/policy.yaml`, text: policyText }], registryValidator());
    expect(problems).toEqual([]);
    expect(docs).toHaveLength(1);
    expect(docs[0]!.spec.vendors.map((v) => v.vendor)).toEqual([vendor]);
    expect(docs[0]!.metadata.namespace).toBe(deployment.metadata.namespace);
  });

  it('the validator does refuse a broken copy of it (so the check above can fail)', () => {
    const broken = readPolicies([{ name: 'broken.yaml', text: policyText.replace(/vendor: \w+/, 'vendor: paypal') }], registryValidator());
    expect(broken.problems.map(formatProblem).join('\n')).toMatch(/paypal/);
  });

  it('its objects validate against the Kubernetes schemas', async () => {
    expect(objects.map((o) => o.kind)).toEqual(['ServiceAccount', 'Deployment']);
    for (const o of objects) await validateObject(o);
  });

  it('opts in to injection, and its pods are the ones the policy selects', () => {
    expect(pod.metadata.annotations).toEqual({ 'keybrake.dev/inject': 'true' });
    const policy = parse(policyText);
    for (const [k, v] of Object.entries(policy.spec.selector.matchLabels)) expect(pod.metadata.labels[k]).toBe(v);
  });

  it('runs under a ServiceAccount the chart binds to the sidecar Role in its namespace', () => {
    const agent = agents.find((a) => a.namespace === deployment.metadata.namespace)!;
    expect(agent.serviceAccounts).toContain(pod.spec.serviceAccountName);
  });

  it('never hands the agent the vendor Secret, only its own agent key', () => {
    const vendorSecrets = parse(policyText).spec.vendors.map((v: any) => v.credential.secretRef.name);
    const used = JSON.stringify(pod.spec).match(/"name":"[^"]+","key"/g) ?? [];
    expect(used.length).toBeGreaterThan(0);
    for (const s of vendorSecrets) expect(JSON.stringify(pod.spec)).not.toContain(`"${s}"`);
  });
});
