// The policy in force before any policy was loaded (or when none selects this
// pod): every vendor host is still terminated, so the agent gets a refusal in
// its vendor's own error shape (`keybrake_no_policy`) instead of a TLS error,
// and nothing is ever forwarded.
import type { CompiledPolicy, CompiledVendor } from './compiled.ts';
import type { VendorPack } from '../vendors/pack.ts';

export function noPolicyYet(packs: readonly VendorPack[], reason: string): CompiledPolicy {
  const byHost = new Map<string, CompiledVendor>();
  for (const pack of packs) {
    const vendor: CompiledVendor = {
      policyName: '',
      useCase: '',
      enforcement: 'enforce',
      entry: { vendor: pack.id, credential: { secretRef: { name: 'none', key: 'none' } }, agentKeys: [] },
      pack,
      hosts: pack.hosts.map((h) => h.toLowerCase()),
      agentKeys: new Map(),
      rules: [],
      evaluate: () => ({ allowed: false, message: reason }),
      caps: [],
      fx: new Map(),
    };
    for (const host of vendor.hosts) byHost.set(host, vendor);
  }
  return {
    generation: 0,
    hash: '',
    documents: [],
    byHost,
    isPassthrough: () => false,
    allowPrivatePassthrough: false,
    unloaded: reason,
  };
}
