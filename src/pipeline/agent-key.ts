// Step: the agent must present a listed, unrevoked keybrake agent key. Keys are
// stored as SHA-256 hashes; a real vendor key presented by the agent is refused.
import crypto from 'node:crypto';
import type { Step } from './context.ts';
import type { CompiledVendor } from '../policy/compiled.ts';
import { refuse } from '../refusal/catalog.ts';

export const AGENT_KEY_PREFIX = 'kb_';

export const checkAgentKey: Step = (ctx) => {
  const presented = ctx.vendor.pack.presentedKey(ctx.request.headers);
  if (!presented || !presented.key) {
    return refuse('missingAgentKey');
  }
  if (!presented.key.startsWith(AGENT_KEY_PREFIX)) {
    return refuse('vendorKeyRefused');
  }
  const hash = crypto.createHash('sha256').update(presented.key).digest('hex');
  const id = ctx.vendor.agentKeys.get(hash);
  if (!id) {
    return refuse('invalidAgentKey', ctx.vendor.policyName);
  }
  ctx.presented = presented;
  ctx.agentKeyId = id;
  ctx.credentialScope = credentialScopeOf(ctx.vendor);
  return undefined;
};

/** Caps "per key" count per real credential, whatever agent key or policy reached it. */
export function credentialScopeOf(vendor: CompiledVendor): string {
  const ref = vendor.entry.credential.secretRef;
  return `${vendor.policyNamespace ?? ''}/${ref.name}/${ref.key}`;
}
