// The kinds the double serves: a few built-ins plus every CustomResourceDefinition
// created in it (so `kubectl apply -f crd.yaml` registers the resource, as on a cluster).
export interface PrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
  description?: string;
  priority?: number;
}

export interface ResourceType {
  group: string; // '' for the core group
  version: string;
  plural: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  /** Has a status subresource: main-resource writes keep status, /status writes keep only status. */
  statusSubresource: boolean;
  /** Server sets metadata.generation and bumps it on non-metadata changes. */
  generation: boolean;
  /** Custom resources refuse strategic merge (415) and unconditional PUT (422). */
  custom: boolean;
  shortNames: string[];
  columns: PrinterColumn[];
  /** Field selectors the kind supports beyond metadata.name / metadata.namespace. */
  fields?: Record<string, (o: KubeObject) => string | undefined>;
}

export type KubeObject = Record<string, any> & {
  apiVersion?: string;
  kind?: string;
  metadata: Record<string, any> & { name?: string; namespace?: string; resourceVersion?: string; labels?: Record<string, string> };
};

export function apiVersionOf(t: ResourceType): string {
  return t.group ? `${t.group}/${t.version}` : t.version;
}

export function typeKey(group: string, version: string, plural: string): string {
  return `${group}/${version}/${plural}`;
}

function builtin(group: string, version: string, plural: string, kind: string, namespaced: boolean, extra: Partial<ResourceType> = {}): ResourceType {
  return {
    group,
    version,
    plural,
    kind,
    namespaced,
    singular: kind.toLowerCase(),
    statusSubresource: false,
    generation: false,
    custom: false,
    shortNames: [],
    columns: [],
    ...extra,
  };
}

export function builtinTypes(): ResourceType[] {
  return [
    builtin('', 'v1', 'namespaces', 'Namespace', false, { shortNames: ['ns'], statusSubresource: true }),
    builtin('', 'v1', 'configmaps', 'ConfigMap', true, { shortNames: ['cm'] }),
    builtin('', 'v1', 'secrets', 'Secret', true),
    builtin('', 'v1', 'events', 'Event', true, { shortNames: ['ev'] }),
    builtin('', 'v1', 'pods', 'Pod', true, {
      shortNames: ['po'],
      statusSubresource: true,
      fields: { 'status.phase': (o) => o.status?.phase, 'status.podIP': (o) => o.status?.podIP, 'spec.nodeName': (o) => o.spec?.nodeName },
    }),
    builtin('apps', 'v1', 'deployments', 'Deployment', true, { shortNames: ['deploy'], statusSubresource: true, generation: true }),
    builtin('coordination.k8s.io', 'v1', 'leases', 'Lease', true),
    builtin('apiextensions.k8s.io', 'v1', 'customresourcedefinitions', 'CustomResourceDefinition', false, {
      shortNames: ['crd', 'crds'],
      statusSubresource: true,
      generation: true,
    }),
  ];
}

/** One ResourceType per served version of a CRD. */
export function typesFromCrd(crd: KubeObject): ResourceType[] {
  const spec = crd.spec ?? {};
  const names = spec.names ?? {};
  return (spec.versions ?? [])
    .filter((v: any) => v.served !== false)
    .map((v: any) => ({
      group: spec.group,
      version: v.name,
      plural: names.plural,
      singular: names.singular ?? String(names.kind ?? '').toLowerCase(),
      kind: names.kind,
      namespaced: spec.scope !== 'Cluster',
      statusSubresource: !!v.subresources?.status,
      generation: true,
      custom: true,
      shortNames: names.shortNames ?? [],
      columns: v.additionalPrinterColumns ?? [],
    }));
}
