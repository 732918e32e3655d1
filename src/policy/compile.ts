// EgressPolicy documents → the immutable CompiledPolicy the data plane reads.
// Validation runs first, so compiling can trust the shapes it reads.
import { createHash } from 'node:crypto';
import { USE_CASE_ANNOTATION, type EgressPolicy, type VendorEntry } from './schema.ts';
import type { CompiledPolicy, CompiledVendor } from './compiled.ts';
import type { VendorPack } from '../vendors/pack.ts';
import { parseRate, type Rate } from '../money/money.ts';
import { parseDuration } from './duration.ts';
import { compileCap } from './caps.ts';
import { allowedEntries, compileRule, evaluateRules } from './rules.ts';
import { PolicyError } from './documents.ts';
import type { PolicyValidator } from './validator.ts';
import { entryHosts } from './entry-hosts.ts';

export interface CompileOptions {
  validator: PolicyValidator;
  generation: number;
  /** Labels the documents in problems; default `policy[i]`. */
  documentNames?: readonly string[];
}

/** Throws PolicyError with every problem when the documents are invalid. */
export function compilePolicies(docs: EgressPolicy[], opts: CompileOptions): CompiledPolicy {
  const problems = opts.validator.check(docs.map((value, i) => ({ document: opts.documentNames?.[i] ?? `policy[${i}]`, value })));
  if (problems.length) throw new PolicyError(`invalid policy (${problems.length} problem${problems.length > 1 ? 's' : ''})`, problems);
  const packs = opts.validator.packs;

  const byHost = new Map<string, CompiledVendor>();
  for (const doc of docs) {
    for (const entry of doc.spec.vendors) {
      const vendor = compileVendor(doc, entry, packs(entry.vendor) as VendorPack);
      for (const host of vendor.hosts) byHost.set(host, vendor);
    }
  }
  const passthrough = docs.flatMap((d) => d.spec.passthrough ?? []).map((h) => h.toLowerCase());
  const killer = docs.find((d) => d.spec.killed === true);

  return {
    generation: opts.generation,
    hash: createHash('sha256').update(canonicalJson(docs)).digest('hex'),
    documents: docs,
    byHost,
    isPassthrough: passthroughMatcher(passthrough),
    allowPrivatePassthrough: docs.some((d) => d.spec.allowPrivatePassthrough === true),
    ...(killer ? { killedBy: killedBy(killer) } : {}),
  };
}

function compileVendor(doc: EgressPolicy, entry: VendorEntry, pack: VendorPack): CompiledVendor {
  const { name, namespace, annotations } = doc.metadata;
  const rules = (entry.rules ?? []).map(compileRule);
  const allowed = allowedEntries(entry.rules ?? []);
  const owner = { policy: name, namespace, vendor: pack.id };
  return {
    policyName: name,
    ...(namespace ? { policyNamespace: namespace } : {}),
    useCase: annotations?.[USE_CASE_ANNOTATION] || name,
    enforcement: doc.spec.enforcement ?? 'enforce',
    entry,
    pack,
    hosts: entryHosts(entry, pack).map((h) => h.toLowerCase()),
    agentKeys: new Map(entry.agentKeys.map((k) => [k.sha256, k.id])),
    rules,
    evaluate: (input) => evaluateRules(rules, input, name, allowed),
    caps: (entry.caps ?? []).map((cap) => compileCap(cap, owner)),
    ...(entry.loopBrake ? { loopBrake: { maxIdentical: entry.loopBrake.maxIdentical, withinMs: parseDuration(entry.loopBrake.within) } } : {}),
    fx: new Map<string, Rate>(Object.entries(entry.fx ?? {}).map(([cur, rate]) => [cur, parseRate(rate)])),
  };
}

/** `policy NAME spec.killed: <killReason>`: the agent's refusal says why, not only that. */
function killedBy(doc: EgressPolicy): string {
  const reason = (doc.spec as { killReason?: unknown }).killReason;
  return `policy ${doc.metadata.name} spec.killed${typeof reason === 'string' && reason.trim() ? `: ${reason.trim().slice(0, 300)}` : ''}`;
}

/** Exact hosts, plus `*.suffix` patterns that match any name below the suffix (not the suffix itself). */
function passthroughMatcher(hosts: readonly string[]): (host: string) => boolean {
  const exact = new Set(hosts.filter((h) => !h.startsWith('*.')));
  const suffixes = hosts.filter((h) => h.startsWith('*.')).map((h) => h.slice(1));
  return (host) => {
    const name = host.toLowerCase().replace(/\.$/, '');
    return exact.has(name) || suffixes.some((s) => name.endsWith(s));
  };
}

/** JSON with sorted object keys: the same documents always hash the same. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
