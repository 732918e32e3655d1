// What kubectl reads before it touches a resource: /version, legacy discovery
// (/api, /apis, per group-version resource lists), OpenAPI v3 (a root that lists
// every group-version, documents with each kind's schema) and server-side
// printing (meta.k8s.io/v1 Table with the CRD's printer columns).
import type { KubeObject, PrinterColumn, ResourceType } from './resources.ts';

export const VERSION = { major: '1', minor: '33', gitVersion: 'v1.33.0-keybrake-double', platform: 'linux/amd64' };

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

function groupVersions(types: ResourceType[]): Map<string, Map<string, ResourceType[]>> {
  const groups = new Map<string, Map<string, ResourceType[]>>();
  for (const t of types) {
    const versions = groups.get(t.group) ?? new Map<string, ResourceType[]>();
    versions.set(t.version, [...(versions.get(t.version) ?? []), t]);
    groups.set(t.group, versions);
  }
  return groups;
}

export function apiVersions(): object {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }] };
}

export function apiGroupList(types: ResourceType[]): object {
  const groups = [...groupVersions(types)]
    .filter(([g]) => g !== '')
    .map(([name, versions]) => {
      const list = [...versions.keys()].map((v) => ({ groupVersion: `${name}/${v}`, version: v }));
      return { name, versions: list, preferredVersion: list[0] };
    });
  return { kind: 'APIGroupList', apiVersion: 'v1', groups };
}

export function resourceList(types: ResourceType[], group: string, version: string): object | undefined {
  const mine = types.filter((t) => t.group === group && t.version === version);
  if (mine.length === 0) return undefined;
  const resources = mine.flatMap((t) => [
    {
      name: t.plural,
      singularName: t.singular,
      namespaced: t.namespaced,
      kind: t.kind,
      verbs: VERBS,
      ...(t.shortNames.length ? { shortNames: t.shortNames } : {}),
      ...(t.custom ? { categories: ['all'] } : {}),
    },
    ...(t.statusSubresource
      ? [{ name: `${t.plural}/status`, singularName: '', namespaced: t.namespaced, kind: t.kind, verbs: ['get', 'patch', 'update'] }]
      : []),
    ...(t.kind === 'Pod'
      ? [{ name: 'pods/proxy', singularName: '', namespaced: true, kind: 'PodProxyOptions', verbs: ['create', 'delete', 'get', 'patch', 'update'] }]
      : []),
  ]);
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources };
}

function gvPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

export function openapiRoot(types: ResourceType[]): object {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const [group, versions] of groupVersions(types)) {
    for (const version of versions.keys()) {
      const p = gvPath(group, version);
      paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=0` };
    }
  }
  return { paths };
}

/**
 * One group-version's OpenAPI v3 document: each kind's schema (from the CRD when there is one)
 * tagged with x-kubernetes-group-version-kind, and a PATCH operation per resource whose
 * request body lists the patch types the server accepts (kubectl picks its patch type from it).
 */
export function openapiGroupVersion(types: ResourceType[], crds: KubeObject[], group: string, version: string): object | undefined {
  const mine = types.filter((t) => t.group === group && t.version === version);
  if (mine.length === 0) return undefined;
  const schemas: Record<string, unknown> = {};
  const paths: Record<string, unknown> = {};
  for (const t of mine) {
    const gvk = [{ group, version, kind: t.kind }];
    const crd = crds.find((c) => c.spec?.group === group && c.spec?.names?.plural === t.plural);
    const fromCrd = crd?.spec?.versions?.find((v: any) => v.name === version)?.schema?.openAPIV3Schema;
    const schema = fromCrd ? structuredClone(fromCrd) : { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
    schema.properties = { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object' }, ...(schema.properties ?? {}) };
    schemas[`${group || 'core'}.${version}.${t.kind}`] = { ...schema, 'x-kubernetes-group-version-kind': gvk };
    const patchTypes = t.custom
      ? ['application/json-patch+json', 'application/merge-patch+json', 'application/apply-patch+yaml']
      : ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/apply-patch+yaml'];
    const base = `/${gvPath(group, version)}${t.namespaced ? '/namespaces/{namespace}' : ''}/${t.plural}/{name}`;
    paths[base] = {
      patch: {
        'x-kubernetes-group-version-kind': gvk[0],
        'x-kubernetes-action': 'patch',
        // kubectl validates server-side (fieldValidation=Strict) only when the PATCH operation lists the parameter.
        parameters: ['fieldValidation', 'dryRun', 'fieldManager'].map((name) => ({ name, in: 'query', schema: { type: 'string' } })),
        requestBody: { content: Object.fromEntries(patchTypes.map((m) => [m, { schema: { type: 'object' } }])) },
        responses: { '200': { description: 'OK' } },
      },
    };
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: 'v1.33.0' }, paths, components: { schemas } };
}

/** The subset of kubectl JSONPath printer columns use: `.a.b`, `.a[0]`, `.a[*].b`, `.a[?(@.k=="v")].b`. */
export function jsonPath(obj: unknown, path: string): unknown {
  const tokens = path.match(/\.[^.[]+|\[\?\(@\.[^=]+==\s*["'][^"']*["']\)\]|\[\d+\]|\[\*\]/g) ?? [];
  let values: unknown[] = [obj];
  let many = false;
  for (const tok of tokens) {
    const next: unknown[] = [];
    for (const cur of values) {
      if (cur === undefined || cur === null) continue;
      if (tok === '[*]') {
        many = true;
        if (Array.isArray(cur)) next.push(...cur);
      } else if (tok.startsWith('[?')) {
        const [, field = '', value] = /^\[\?\(@\.([^=]+?)\s*==\s*["']([^"']*)["']\)\]$/.exec(tok)!;
        if (Array.isArray(cur)) next.push(...cur.filter((e) => e?.[field] === value));
      } else if (tok.startsWith('[')) {
        if (Array.isArray(cur)) next.push(cur[Number(tok.slice(1, -1))]);
      } else {
        next.push((cur as Record<string, unknown>)[tok.slice(1)]);
      }
    }
    values = next.filter((v) => v !== undefined);
  }
  if (many) return values.length ? values.join(',') : undefined;
  return values[0];
}

/** How kubectl shows an age: 45s, 3m20s, 5h, 12d. */
export function age(timestamp: unknown, now = Date.now()): string {
  const t = Date.parse(String(timestamp));
  if (Number.isNaN(t)) return '<unknown>';
  const s = Math.max(0, Math.floor((now - t) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 600) return `${Math.floor(s / 60)}m${s % 60 ? `${s % 60}s` : ''}`;
  if (s < 3 * 3600) return `${Math.floor(s / 60)}m`;
  if (s < 48 * 3600) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

function cell(column: PrinterColumn, obj: KubeObject): unknown {
  const v = jsonPath(obj, column.jsonPath);
  if (v === undefined || v === null) return null;
  if (column.type === 'date') return age(v);
  if (typeof v === 'object') return JSON.stringify(v);
  return v;
}

/** Server-side printing, as the API server answers `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`. */
export function table(t: ResourceType, items: KubeObject[], resourceVersion: string): object {
  const columns: PrinterColumn[] = [
    { name: 'Name', type: 'string', jsonPath: '.metadata.name', description: 'Name must be unique within a namespace.' },
    ...t.columns,
  ];
  if (!columns.some((c) => c.name.toLowerCase() === 'age')) columns.push({ name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' });
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion },
    columnDefinitions: columns.map((c) => ({
      name: c.name,
      type: c.type === 'date' ? 'string' : c.type,
      format: c.name === 'Name' ? 'name' : '',
      description: c.description ?? '',
      priority: c.priority ?? 0,
    })),
    rows: items.map((o) => ({
      cells: columns.map((c) => cell(c, o)),
      object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata },
    })),
  };
}
