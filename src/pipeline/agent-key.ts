// Step: the agent must present a listed, unrevoked keybrake agent key. Keys are
// stored as SHA-256 hashes; a real vendor key presented by the agent is refused.
import crypto from 'node:crypto';
import type { Step } from './context.ts';
import type { CompiledVendor } from '../policy/compiled.ts';

export const AGENT_KEY_PREFIX = 'kb_';

export const checkAgentKey: Step = (ctx) => {
  const presented = ctx.vendor.pack.presentedKey(ctx.request.headers);
  if (!presented || !presented.key) {
    return {
      status: 401,
      code: 'keybrake_missing_agent_key',
      message: 'No keybrake agent key was presented. Send the kb_… key you were given, in place of the vendor API key.',
    };
  }
  if (!presented.key.startsWith(AGENT_KEY_PREFIX)) {
    return {
      status: 401,
      code: 'keybrake_vendor_key_refused',
      message:
        'The key presented is not a keybrake agent key. Real vendor keys are never accepted through keybrake; use your kb_… agent key.',
    };
  }
  const hash = crypto.createHash('sha256').update(presented.key).digest('hex');
  const id = ctx.vendor.agentKeys.get(hash);
  if (!id) {
    return {
      status: 401,
      code: 'keybrake_invalid_agent_key',
      message: `The keybrake agent key presented is not listed in policy ${ctx.vendor.policyName} (unknown or revoked).`,
    };
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
