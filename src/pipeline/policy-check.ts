// With no policy loaded (start-up, or no policy selects this pod) every call
// is refused before its body is read or parsed (handleCall runs this right
// after the kill check).
import type { CallContext } from './context.ts';
import { refuse, type Refusal } from '../refusal/catalog.ts';

export function checkPolicyLoaded(ctx: CallContext): Refusal | undefined {
  const why = ctx.policy.unloaded;
  return why === undefined ? undefined : refuse('noPolicy', why);
}
