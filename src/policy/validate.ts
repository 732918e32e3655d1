// Every problem with a set of EgressPolicy documents, each naming the document
// (`policy[0] "support-refunds"`), the field path and what is wrong. The same
// checks serve the local file, the controller's status conditions and sidecars.
import { API_VERSION, KIND, type EgressPolicy, type VendorEntry } from './schema.ts';
import type { VendorPack } from '../vendors/pack.ts';
import { validateVendorEntry, type PackLookup } from './validate-entry.ts';
import {
  describe, isHostname, isMapping, optionalBoolean, optionalChoice, requireList, requireMapping, requireString,
  type Fields, type Report,
} from './checks.ts';

export type { PackLookup } from './validate-entry.ts';

/** Where a host was first claimed, for the conflict message. */
type HostClaims = Map<string, string>;

/**
 * `vendorIds` lists the known vendors for the "unknown vendor" message
 * (the lookup function alone cannot enumerate them).
 */
export function validatePolicies(docs: EgressPolicy[], packs: PackLookup, vendorIds: readonly string[] = []): string[] {
  const problems: string[] = [];
  const governed: HostClaims = new Map();
  const passthrough: HostClaims = new Map();
  const names = new Map<string, string>();

  docs.forEach((doc, index) => {
    const raw: unknown = doc;
    const name = isMapping(raw) && isMapping(raw.metadata) ? raw.metadata.name : undefined;
    const label = typeof name === 'string' ? `policy[${index}] ${JSON.stringify(name)}` : `policy[${index}]`;
    const report: Report = (path, message) => problems.push(`${label}: ${path ? `${path}: ` : ''}${message}`);
    if (!requireMapping(raw, '', report)) return;

    if (raw.apiVersion !== API_VERSION) report('apiVersion', `must be ${API_VERSION}, found ${describe(raw.apiVersion)}`);
    if (raw.kind !== KIND) report('kind', `must be ${KIND}, found ${describe(raw.kind)}`);
    const identity = validateMetadata(raw.metadata, report);
    if (identity) {
      const first = names.get(identity);
      if (first) report('metadata.name', `${identity} is defined twice (also ${first})`);
      else names.set(identity, label);
    }
    if (!requireMapping(raw.spec, 'spec', report)) return;
    validateSpec(raw.spec, label, report, packs, vendorIds, { governed, passthrough });
  });

  // Checked after all documents so the order in which policies appear does not matter.
  for (const [host, where] of passthrough) {
    const owner = governed.get(host);
    if (owner) problems.push(`${where}: ${host} is governed by ${owner}; a host cannot also be passthrough`);
  }
  return problems;
}

/** Returns `namespace/name` when the name is usable. */
function validateMetadata(metadata: unknown, report: Report): string | undefined {
  if (!requireMapping(metadata, 'metadata', report)) return undefined;
  const { name, namespace, annotations } = metadata;
  let ok = requireString(name, 'metadata.name', report);
  // The file is the same YAML `kubectl apply` takes, so names follow Kubernetes' rules.
  if (ok && !isHostname(name)) {
    report('metadata.name', `${describe(name)} is not a Kubernetes name (lowercase letters, digits, '-' and '.')`);
    ok = false;
  }
  if (namespace !== undefined && !isHostname(namespace)) report('metadata.namespace', `${describe(namespace)} is not a namespace name`);
  if (annotations !== undefined && requireMapping(annotations, 'metadata.annotations', report)) {
    for (const [key, value] of Object.entries(annotations)) {
      if (typeof value !== 'string') report(`metadata.annotations[${JSON.stringify(key)}]`, `must be a string, found ${describe(value)}`);
    }
  }
  return ok ? `${typeof namespace === 'string' ? namespace : ''}/${name as string}` : undefined;
}

function validateSpec(
  spec: Fields,
  label: string,
  report: Report,
  packs: PackLookup,
  vendorIds: readonly string[],
  hosts: { governed: HostClaims; passthrough: HostClaims },
): void {
  optionalChoice(spec.enforcement, ['enforce', 'dryrun'], 'spec.enforcement', report);
  optionalBoolean(spec.killed, 'spec.killed', report);
  optionalBoolean(spec.allowPrivatePassthrough, 'spec.allowPrivatePassthrough', report);
  if (spec.selector !== undefined && requireMapping(spec.selector, 'spec.selector', report)) {
    const labels = spec.selector.matchLabels;
    if (labels !== undefined && requireMapping(labels, 'spec.selector.matchLabels', report)) {
      for (const [key, value] of Object.entries(labels)) {
        if (typeof value !== 'string') report(`spec.selector.matchLabels[${JSON.stringify(key)}]`, `must be a string, found ${describe(value)}`);
      }
    }
  }
  if (spec.passthrough !== undefined && requireList(spec.passthrough, 'spec.passthrough', report)) {
    spec.passthrough.forEach((host, i) => {
      if (isHostname(host, true)) hosts.passthrough.set(host, `${label}: spec.passthrough[${i}]`);
      else report(`spec.passthrough[${i}]`, `${describe(host)} is not a lowercase hostname or *.suffix pattern`);
    });
  }
  if (!requireList(spec.vendors, 'spec.vendors', report)) return;
  spec.vendors.forEach((entry, i) => {
    const path = `spec.vendors[${i}]`;
    if (!requireMapping(entry, path, report)) return;
    const pack = validateVendorEntry(entry, path, report, packs, vendorIds);
    if (!pack) return;
    for (const host of entryHosts(entry as unknown as VendorEntry, pack)) {
      if (typeof host !== 'string') continue;
      const key = host.toLowerCase();
      const owner = hosts.governed.get(key);
      if (owner) report(path, `host ${key} is already governed by ${owner}; one host, one vendor entry`);
      else hosts.governed.set(key, `${label} ${path}`);
    }
  });
}

/** The hosts an entry governs: the pack's own field (Shopify `shops`), else `hosts`, else the pack's defaults. */
export function entryHosts(entry: VendorEntry, pack: VendorPack): readonly string[] {
  const own = pack.hostsFor?.(entry);
  if (own) return own;
  return Array.isArray(entry.hosts) ? entry.hosts : pack.hosts;
}
