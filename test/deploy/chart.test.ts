// The Helm chart with the real helm v4.1.4: lint, render with the default values and each documented
// variant (charts/keybrake/ci/*-values.yaml), schema-check every object, and let values.schema.json
// refuse bad values with helm's own error.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { validateObject } from './models.ts';
import { CHART, NAMESPACE, ROOT, byKey, helm, helmTemplate, parseObjects, valuesVariants, type K8sObject } from './render.ts';

const variants = ['(defaults)', ...valuesVariants()];
const valuesOf = (v: string) => (v === '(defaults)' ? [] : [v]);

describe('charts/keybrake', () => {
  it('documents at least the byo-ca, monitoring and multi-namespace variants', () => {
    expect(valuesVariants()).toEqual(['ci/byo-ca-values.yaml', 'ci/monitoring-values.yaml', 'ci/multi-namespace-values.yaml']);
  });

  it.each(variants)('helm lint --strict passes with %s', (v) => {
    const r = helm(['lint', '--strict', CHART, '--namespace', NAMESPACE, ...valuesOf(v).flatMap((f) => ['-f', path.join(CHART, f)])]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
  });

  it.each(variants)('every object rendered with %s validates against its Kubernetes schema', async (v) => {
    const objects = parseObjects(helmTemplate(valuesOf(v), ['--include-crds']));
    expect(objects.length).toBeGreaterThan(10);
    byKey(objects); // no duplicates
    for (const o of objects) {
      await validateObject(o);
      expect(o.metadata.labels?.['app.kubernetes.io/part-of'], `${o.kind}/${o.metadata.name}`).toBe('keybrake');
    }
  });

  it('the CRD is installed from crds/ and validates as a CustomResourceDefinition', async () => {
    const crds = parseObjects(helmTemplate([], ['--include-crds'])).filter((o) => o.kind === 'CustomResourceDefinition');
    expect(crds.map((c) => c.metadata.name)).toEqual(['egresspolicies.keybrake.dev']);
    await validateObject(crds[0]!);
    expect(parseObjects(helmTemplate()).some((o) => o.kind === 'CustomResourceDefinition')).toBe(false);
  });

  it('the byo-ca variant renders no cert-manager object for the mesh CA, and nothing else changes', () => {
    const base = byKey(parseObjects(helmTemplate()));
    const byo = byKey(parseObjects(helmTemplate(['ci/byo-ca-values.yaml'])));
    const removed = [...base.keys()].filter((k) => !byo.has(k));
    expect(removed.sort()).toEqual([
      'cert-manager.io/v1 Certificate agents/keybrake-mesh-ca',
      'cert-manager.io/v1 Certificate agents/keybrake-root-ca',
      'cert-manager.io/v1 Issuer agents/keybrake-root-ca',
      'cert-manager.io/v1 Issuer agents/keybrake-selfsigned',
    ]);
    for (const [k, o] of byo) expect(o, k).toEqual(base.get(k));
  });

  it('the multi-namespace variant gives each agent namespace its own Role, binding, mesh CA and no NetworkPolicy', () => {
    const objects = parseObjects(helmTemplate(['ci/multi-namespace-values.yaml']));
    const binding = objects.find((o) => o.kind === 'RoleBinding' && o.metadata.name === 'keybrake-sidecar' && o.metadata.namespace === 'billing-agents')!;
    expect(binding.subjects).toEqual([
      { kind: 'ServiceAccount', name: 'invoicer', namespace: 'billing-agents' },
      { kind: 'ServiceAccount', name: 'dunning', namespace: 'billing-agents' },
    ]);
    expect(objects.filter((o) => o.kind === 'Certificate' && o.metadata.name === 'keybrake-mesh-ca').map((o) => o.metadata.namespace)).toEqual(['agents', 'billing-agents']);
    expect(objects.filter((o) => o.kind === 'NetworkPolicy')).toEqual([]);
    const args = (objects.find((o) => o.kind === 'Deployment') as any).spec.template.spec.containers[0].args as string[];
    expect(args).toEqual(expect.arrayContaining(['--namespaces=agents', '--namespaces=billing-agents']));
  });

  it.each([
    [['--set', 'webhook.timeoutSeconds=60'], "at '/webhook/timeoutSeconds': maximum: got 60, want 30"],
    [['--set', 'controller.replicas=0'], "at '/controller/replicas': minimum: got 0, want 1"],
    [['--set', 'meshCA.mode=self-made'], "at '/meshCA/mode': value must be one of 'cert-manager', 'existingSecret'"],
    [['--set', 'agents[0].namespace=Agents_NS'], "at '/agents/0/namespace'"],
    [['--set', 'meshCA.permittedDNSDomains={*.stripe.com}'], "at '/meshCA/permittedDNSDomains/0'"],
    [['--set', 'webhook.failurePolicy=Ignore'], "additional properties 'failurePolicy' not allowed"],
  ])('values.schema.json refuses %j with helm\'s error', (args, message) => {
    const r = helm(['template', 'keybrake', CHART, ...args]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("values don't meet the specifications of the schema");
    expect(r.stderr).toContain(message);
  });

  it('NOTES.txt gives the next three commands: annotate, apply a policy, watch and kill', () => {
    const r = helm(['install', 'keybrake', CHART, '--namespace', NAMESPACE, '--dry-run=client']);
    expect(r.stderr).toBe('');
    const notes = r.stdout.slice(r.stdout.indexOf('NOTES:'));
    expect(notes.match(/^\d\. /gm)).toEqual(['1. ', '2. ', '3. ']);
    expect(notes).toContain('keybrake.dev/inject":"true"');
    expect(notes).toContain('kubectl apply -f deploy/examples/support-refunds/policy.yaml');
    expect(notes).toContain('kubectl keybrake kill policy/support-refunds -n agents');
  });
});

describe('monitoring objects come from the one source of each file', () => {
  const objects = parseObjects(helmTemplate(['ci/monitoring-values.yaml']));
  const find = (kind: string) => objects.find((o) => o.kind === kind)! as K8sObject & { spec: unknown; data: Record<string, string> };

  it('the PrometheusRule holds exactly the rules of files/keybrake-rules.yml, and deploy/monitoring links to that file', () => {
    const rules = parse(fs.readFileSync(path.join(CHART, 'files/keybrake-rules.yml'), 'utf8'));
    expect(find('PrometheusRule').spec).toEqual(rules);
    expect(fs.realpathSync(path.join(ROOT, 'deploy/monitoring/keybrake-rules.yml'))).toBe(path.join(CHART, 'files/keybrake-rules.yml'));
    // The standalone PrometheusRule (generated for installs without Helm) carries the same rules.
    expect(parse(fs.readFileSync(path.join(ROOT, 'deploy/monitoring/prometheusrule.yaml'), 'utf8')).spec).toEqual(rules);
  });

  it('the dashboard ConfigMap holds files/grafana-dashboard.json byte for byte, and deploy/monitoring links to it', () => {
    const file = fs.readFileSync(path.join(CHART, 'files/grafana-dashboard.json'), 'utf8');
    expect(find('ConfigMap').data['keybrake.json']).toBe(file.trimEnd());
    expect(find('ConfigMap').metadata.labels!.grafana_dashboard).toBe('1');
    expect(fs.realpathSync(path.join(ROOT, 'deploy/monitoring/grafana-dashboard.json'))).toBe(path.join(CHART, 'files/grafana-dashboard.json'));
  });

  it('ServiceMonitor and PodMonitor carry the kube-prometheus-stack release label', () => {
    for (const kind of ['ServiceMonitor', 'PodMonitor', 'PrometheusRule']) expect(find(kind).metadata.labels!.release).toBe('kube-prometheus-stack');
  });
});
