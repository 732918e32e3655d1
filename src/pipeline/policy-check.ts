// Step: with no policy loaded (start-up, or no policy selects this pod) every
// call is refused before anything is read or parsed.
import type { Step } from './context.ts';

export const NO_POLICY_CODE = 'keybrake_no_policy';

export const checkPolicyLoaded: Step = (ctx) => {
  const why = ctx.policy.unloaded;
  if (why === undefined) return undefined;
  return { status: 403, code: NO_POLICY_CODE, message: `keybrake refuses every call: ${why}. Nothing is forwarded until a policy loads; stop retrying.` };
};
