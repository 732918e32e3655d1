// The kustomize trees with the real kubectl v1.33 (kustomize v5.6): deploy/base renders exactly the
// chart's default objects, the byo-ca overlay exactly the chart's byo-ca variant, and neither is stale.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BASE_DIR, CRD_CHART_COPY, CRD_SOURCE, generatedBase } from './generate-base.ts';
import { validateObject } from './models.ts';
import { NAMESPACE, byKey, helmTemplate, kustomize, parseObjects, type K8sObject } from './render.ts';

/** What `helm install --create-namespace` puts on the cluster: the rendered objects, the CRD, the namespace. */
function helmInstallObjects(valuesFiles: string[] = []): K8sObject[] {
  const ns: K8sObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE, labels: { 'app.kubernetes.io/part-of': 'keybrake' } } };
  return [ns, ...parseObjects(helmTemplate(valuesFiles, ['--include-crds']))];
}

function expectSameObjects(actual: K8sObject[], expected: K8sObject[]) {
  const a = byKey(actual);
  const e = byKey(expected);
  expect([...a.keys()].sort()).toEqual([...e.keys()].sort());
  for (const [k, o] of e) expect(a.get(k), k).toEqual(o);
}

describe('deploy/base', () => {
  it('is what `npm run gen:deploy` writes from the chart (not stale)', () => {
    const expected = generatedBase();
    expect(fs.readdirSync(BASE_DIR).sort()).toEqual([...expected.keys()].sort());
    for (const [name, text] of expected) expect(fs.readFileSync(path.join(BASE_DIR, name), 'utf8'), name).toBe(text);
  });

  it('the chart ships the CRD byte for byte as deploy/crds has it (one source, gen:crd)', () => {
    expect(fs.readFileSync(CRD_CHART_COPY, 'utf8')).toBe(fs.readFileSync(CRD_SOURCE, 'utf8'));
  });

  it('`kubectl kustomize deploy/base` equals the chart with default values, object by object', () => {
    const objects = kustomize('deploy/base');
    expectSameObjects(objects, helmInstallObjects());
    expect(objects.filter((o) => o.kind === 'CustomResourceDefinition').map((o) => o.metadata.name)).toEqual(['egresspolicies.keybrake.dev']);
  });

  it('every object of the base validates against its Kubernetes schema', async () => {
    for (const o of kustomize('deploy/base')) await validateObject(o);
  });
});

describe('deploy/overlays/byo-ca', () => {
  const objects = kustomize('deploy/overlays/byo-ca');

  it('equals the chart with meshCA.mode=existingSecret, object by object', () => {
    expectSameObjects(objects, helmInstallObjects(['ci/byo-ca-values.yaml']));
  });

  it('issues no mesh CA but keeps the webhook serving certificate', () => {
    const certManager = objects.filter((o) => o.apiVersion.startsWith('cert-manager.io/')).map((o) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`);
    expect(certManager.sort()).toEqual(['Certificate keybrake-system/keybrake-webhook', 'Issuer keybrake-system/keybrake-selfsigned']);
  });
});
