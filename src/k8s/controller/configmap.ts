// The compiled policies of one namespace as the ConfigMap sidecars watch:
// `<policy-name>.yaml` per accepted policy plus `generation`, bumped whenever
// the policy keys change. A policy whose new generation is refused keeps its
// last accepted text, so its sidecars keep enforcing what was last accepted.
import { stringify, parse } from 'yaml';
import type { EgressPolicy } from '../../policy/schema.ts';
import { PART_OF, POLICIES_CONFIGMAP } from '../kube.ts';

export interface Verdict {
  doc: EgressPolicy;
  accepted: boolean;
}

/** What a sidecar needs of the policy: no managedFields, no status, no last-applied annotation. */
export function policyText(doc: EgressPolicy): string {
  const m = doc.metadata;
  const annotations = Object.fromEntries(Object.entries(m.annotations ?? {}).filter(([k]) => !k.startsWith('kubectl.kubernetes.io/')));
  return stringify({
    apiVersion: doc.apiVersion,
    kind: doc.kind,
    metadata: {
      name: m.name,
      namespace: m.namespace,
      generation: m.generation,
      ...(Object.keys(annotations).length ? { annotations } : {}),
      ...(m.labels ? { labels: m.labels } : {}),
    },
    spec: doc.spec,
  });
}

/** The policy generation a ConfigMap key serves. */
export function servedGeneration(text: string | undefined): number | undefined {
  if (!text) return undefined;
  try {
    const g = parse(text)?.metadata?.generation;
    return typeof g === 'number' ? g : undefined;
  } catch {
    return undefined;
  }
}

/** The next data of the ConfigMap, or undefined when nothing changes. */
export function nextData(current: Record<string, string> | undefined, verdicts: Verdict[]): Record<string, string> | undefined {
  const old = current ?? {};
  const keys: Record<string, string> = {};
  for (const v of verdicts) {
    const key = `${v.doc.metadata.name}.yaml`;
    if (v.accepted) keys[key] = policyText(v.doc);
    else if (old[key] !== undefined) keys[key] = old[key];
  }
  const oldKeys = Object.fromEntries(Object.entries(old).filter(([k]) => k.endsWith('.yaml')));
  const same = JSON.stringify(Object.entries(keys).sort()) === JSON.stringify(Object.entries(oldKeys).sort());
  if (same && current) return undefined;
  const generation = (Number.parseInt(old.generation ?? '0', 10) || 0) + 1;
  return { ...keys, generation: String(generation) };
}

export function configMapObject(namespace: string, data: Record<string, string>, resourceVersion?: string): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: POLICIES_CONFIGMAP,
      namespace,
      labels: { ...PART_OF, 'app.kubernetes.io/managed-by': 'keybrake-controller' },
      ...(resourceVersion ? { resourceVersion } : {}),
    },
    data,
  };
}
