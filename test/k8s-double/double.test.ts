// The API-server double against the rules the clients rely on (see the
// k8s notes): driven by @kubernetes/client-node over real HTTPS.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import type net from 'node:net';
import { CoreV1Api, CustomObjectsApi, KubeConfig, PatchStrategy, setHeaderOptions, ListWatch, Watch } from '@kubernetes/client-node';
import { ApiServerDouble } from './server.ts';
import { makeDoubleTls, writeKubeconfig } from './tls.ts';
import { egressPolicyCrd } from '../helpers/crd.ts';
import { eventually } from '../helpers/proxy-harness.ts';
import { KubeApi, podProxyPath } from '../../src/k8s/kube.ts';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const G = { group: 'keybrake.dev', version: 'v1alpha1', plural: 'egresspolicies' };
let d: ApiServerDouble;
let kc: KubeConfig;
let co: CustomObjectsApi;
let core: CoreV1Api;
let dir: string;
const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

function policy(name: string, spec: Record<string, unknown> = { enforcement: 'enforce' }) {
  return { apiVersion: 'keybrake.dev/v1alpha1', kind: 'EgressPolicy', metadata: { name, namespace: 'ns' }, spec };
}

async function code(p: Promise<unknown>): Promise<{ code: number; reason: string }> {
  try {
    await p;
    return { code: 200, reason: '' };
  } catch (err) {
    const e = err as { code: number; body: string };
    return { code: e.code, reason: JSON.parse(e.body).reason };
  }
}

beforeAll(async () => {
  const tls = makeDoubleTls();
  d = await new ApiServerDouble({ tls }).start();
  d.seed('apiextensions.k8s.io/v1', 'customresourcedefinitions', egressPolicyCrd() as never);
  d.seed('v1', 'namespaces', { metadata: { name: 'ns' } });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keybrake-double-'));
  kc = new KubeConfig();
  kc.loadFromFile(writeKubeconfig(dir, d.url, 'tok', { caPem: tls.caPem, namespace: 'ns' }));
  co = kc.makeApiClient(CustomObjectsApi);
  core = kc.makeApiClient(CoreV1Api);
});
afterAll(async () => {
  await d.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('API-server double', () => {
  it('creates with uid, generation 1 and a string resourceVersion, drops status on a CR, and refuses a duplicate', async () => {
    const made = await co.createNamespacedCustomObject({ ...G, namespace: 'ns', body: { ...policy('a'), status: { x: 1 } } });
    expect(made.metadata.generation).toBe(1);
    expect(made.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(typeof made.metadata.resourceVersion).toBe('string');
    expect(made.status).toBeUndefined();
    expect(await code(co.createNamespacedCustomObject({ ...G, namespace: 'ns', body: policy('a') }))).toEqual({ code: 409, reason: 'AlreadyExists' });
  });

  it('lists with the current resourceVersion and filters by field and label selectors', async () => {
    await co.createNamespacedCustomObject({ ...G, namespace: 'ns', body: { ...policy('b'), metadata: { name: 'b', namespace: 'ns', labels: { tier: 'x' } } } });
    const all = await co.listNamespacedCustomObject({ ...G, namespace: 'ns' });
    expect(all.kind).toBe('EgressPolicyList');
    expect(all.metadata.resourceVersion).toBe(d.store.resourceVersion);
    const byLabel = await co.listNamespacedCustomObject({ ...G, namespace: 'ns', labelSelector: 'tier=x' });
    expect(byLabel.items.map((i: any) => i.metadata.name)).toEqual(['b']);
    const byName = await co.listNamespacedCustomObject({ ...G, namespace: 'ns', fieldSelector: 'metadata.name=a' });
    expect(byName.items.map((i: any) => i.metadata.name)).toEqual(['a']);
    expect(await code(co.listNamespacedCustomObject({ ...G, namespace: 'ns', fieldSelector: 'spec.x=1' }))).toMatchObject({ code: 400 });
  });

  it('bumps generation on spec changes only; a no-op keeps the resourceVersion', async () => {
    const before = await co.getNamespacedCustomObject({ ...G, namespace: 'ns', name: 'a' });
    const labelled = await co.patchNamespacedCustomObject({ ...G, namespace: 'ns', name: 'a', body: { metadata: { labels: { l: '1' } } } }, merge);
    expect(labelled.metadata.generation).toBe(1);
    expect(labelled.metadata.resourceVersion).not.toBe(before.metadata.resourceVersion);
    const same = await co.patchNamespacedCustomObject({ ...G, namespace: 'ns', name: 'a', body: { metadata: { labels: { l: '1' } } } }, merge);
    expect(same.metadata.resourceVersion).toBe(labelled.metadata.resourceVersion);
    const spec = await co.patchNamespacedCustomObject({ ...G, namespace: 'ns', name: 'a', body: { spec: { killed: true } } }, merge);
    expect(spec.metadata.generation).toBe(2);
  });

  it('keeps status on main-resource writes and only status on /status writes', async () => {
    const s = await co.patchNamespacedCustomObjectStatus(
      { ...G, namespace: 'ns', name: 'a', body: { spec: { killed: false }, status: { observedGeneration: 2 } } },
      merge,
    );
    expect(s.status).toEqual({ observedGeneration: 2 });
    expect(s.spec.killed).toBe(true);
    expect(s.metadata.generation).toBe(2);
    const main = await co.patchNamespacedCustomObject({ ...G, namespace: 'ns', name: 'a', body: { status: { observedGeneration: 99 } } }, merge);
    expect(main.status).toEqual({ observedGeneration: 2 });
  });

  it('answers 409 to a stale update, 422 to a CR update without resourceVersion, 404 to a missing object', async () => {
    const cur = await co.getNamespacedCustomObject({ ...G, namespace: 'ns', name: 'a' });
    await co.replaceNamespacedCustomObject({ ...G, namespace: 'ns', name: 'a', body: { ...cur, spec: { enforcement: 'dryrun' } } });
    expect(await code(co.replaceNamespacedCustomObject({ ...G, namespace: 'ns', name: 'a', body: { ...cur, spec: { enforcement: 'enforce' } } }))).toEqual({
      code: 409,
      reason: 'Conflict',
    });
    const { resourceVersion: _rv, ...meta } = cur.metadata;
    expect(await code(co.replaceNamespacedCustomObject({ ...G, namespace: 'ns', name: 'a', body: { ...cur, metadata: meta } }))).toMatchObject({ code: 422 });
    expect(await code(co.getNamespacedCustomObject({ ...G, namespace: 'ns', name: 'nope' }))).toEqual({ code: 404, reason: 'NotFound' });
  });

  it('applies JSON patch (the client default), refuses strategic merge on a CR with 415, accepts it on a ConfigMap', async () => {
    const p = await co.patchNamespacedCustomObject({
      ...G,
      namespace: 'ns',
      name: 'a',
      body: [{ op: 'add', path: '/spec/passthrough', value: ['x.example'] }],
    });
    expect(p.spec.passthrough).toEqual(['x.example']);
    expect(
      await code(co.patchNamespacedCustomObject({ ...G, namespace: 'ns', name: 'a', body: [{ op: 'add', path: '/spec/missing/deep', value: 1 }] })),
    ).toMatchObject({ code: 422 });
    const strategic = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);
    expect(await code(co.patchNamespacedCustomObject({ ...G, namespace: 'ns', name: 'a', body: { spec: {} } }, strategic))).toEqual({
      code: 415,
      reason: 'UnsupportedMediaType',
    });
    await core.createNamespacedConfigMap({ namespace: 'ns', body: { metadata: { name: 'cm' }, data: { a: '1' } } });
    const cm = await core.patchNamespacedConfigMap({ namespace: 'ns', name: 'cm', body: { data: { b: '2' } } }, strategic);
    expect(cm.data).toEqual({ a: '1', b: '2' });
  });

  it('streams ADDED, MODIFIED, DELETED and BOOKMARK with flushed headers, with selector transitions', async () => {
    const events: string[] = [];
    const rv = (await co.listNamespacedCustomObject({ ...G, namespace: 'ns' })).metadata.resourceVersion;
    const ctl = await new Watch(kc).watch(
      '/apis/keybrake.dev/v1alpha1/namespaces/ns/egresspolicies',
      { resourceVersion: rv, labelSelector: 'w=1', allowWatchBookmarks: true },
      (type, obj) => events.push(`${type}:${obj.metadata?.name ?? ''}`),
      () => {},
    );
    // watch() resolved: the headers arrived before any event.
    await co.createNamespacedCustomObject({ ...G, namespace: 'ns', body: { ...policy('w'), metadata: { name: 'w', namespace: 'ns', labels: { w: '1' } } } });
    await co.patchNamespacedCustomObject({ ...G, namespace: 'ns', name: 'w', body: { spec: { killed: true } } }, merge);
    await co.patchNamespacedCustomObject({ ...G, namespace: 'ns', name: 'w', body: { metadata: { labels: { w: '2' } } } }, merge);
    await co.patchNamespacedCustomObject({ ...G, namespace: 'ns', name: 'w', body: { metadata: { labels: { w: '1' } } } }, merge);
    await co.deleteNamespacedCustomObject({ ...G, namespace: 'ns', name: 'w' });
    await eventually(() => expect(events).toEqual(['BOOKMARK:', 'ADDED:w', 'MODIFIED:w', 'DELETED:w', 'ADDED:w', 'DELETED:w']));
    ctl.abort();
  });

  it('answers a watch from a compacted resourceVersion with a 410 Expired event, and the informer relists', async () => {
    const seen: string[] = [];
    const path = '/apis/keybrake.dev/v1alpha1/namespaces/ns/egresspolicies';
    const lw = new ListWatch(path, new Watch(kc), () => co.listNamespacedCustomObject({ ...G, namespace: 'ns' }), false);
    let lists = 0;
    lw.on('connect', () => lists++);
    lw.on('add', (o) => seen.push(`add:${o.metadata?.name}`));
    await lw.start();
    const listsBefore = lists;
    d.expireWatches(); // ERROR 410 on the open watch, history compacted
    await co.createNamespacedCustomObject({ ...G, namespace: 'ns', body: policy('after') });
    await eventually(() => expect(seen).toContain('add:after'), 10_000);
    expect(lists).toBeGreaterThan(listsBefore);
    expect(d.requests.filter((r) => r.path === path && !r.query.includes('watch')).length).toBeGreaterThanOrEqual(2);
    await lw.stop();

    const events: string[] = [];
    const ctl = await new Watch(kc).watch(
      path,
      { resourceVersion: '1' },
      (type, obj) => events.push(`${type}:${obj.code ?? ''}`),
      () => {},
    );
    await eventually(() => expect(events).toEqual(['ERROR:410']));
    ctl.abort();
  });

  it("serves Leases and forwards pods/proxy to the pod address without the caller's Authorization", async () => {
    const lease = await d.seed('coordination.k8s.io/v1', 'leases', { metadata: { name: 'l', namespace: 'ns' }, spec: { holderIdentity: 'a' } });
    expect(lease.metadata.resourceVersion).toBeDefined();
    const got: Array<{ url?: string; auth?: string; body: string }> = [];
    const pod = http.createServer((req, res) => {
      let body = '';
      req
        .on('data', (c) => (body += c))
        .on('end', () => {
          got.push({ url: req.url, auth: req.headers.authorization, body });
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
        });
    });
    await new Promise<void>((r) => pod.listen(0, '127.0.0.1', r));
    d.addPod('ns', 'p1', { app: 'x' }, { 17020: (pod.address() as net.AddressInfo).port });
    const api = new KubeApi(kc);
    const r = await api.raw('POST', `${podProxyPath('ns', 'p1', 17020, 'admin/kill')}?x=1`, { body: { reason: 'r' } });
    expect(r.status).toBe(200);
    expect(got.at(-1)).toEqual({ url: '/admin/kill?x=1', auth: undefined, body: '{"reason":"r"}' });
    // The generated client percent-encodes the sub-path; the double decodes it as one path.
    await core.connectPostNamespacedPodProxyWithPath({ namespace: 'ns', name: 'p1:17020', path: 'kill' });
    expect(got.at(-1)).toMatchObject({ url: '/kill', auth: undefined });
    expect((await api.raw('GET', podProxyPath('ns', 'ghost', 17020, 'status'))).status).toBe(404);
    pod.close();
  });
});
