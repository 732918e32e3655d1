// Steps 9–11 as one layer: reserve, forward, then settle or keep. Whatever
// happens in between (a refusal, a kill that stops the call before it is
// sent, an upstream error, a bug that throws), the hold a reservation took is
// settled here, once, by construction: no other module calls reserve or settle.
import type { CallContext, Services } from './context.ts';
import type { Refusal } from '../refusal/catalog.ts';
import { reserve } from './reserve.ts';
import { settle } from './settle.ts';

/**
 * `send(keepJson)` forwards the call; keepJson asks it to keep a 2xx JSON answer for settle.
 * It returns a refusal when it sent nothing (a kill came first): the hold is then released.
 */
export async function reserveAround(
  ctx: CallContext,
  services: Services,
  send: (keepJson: boolean) => Promise<Refusal | undefined>,
): Promise<Refusal | undefined> {
  const { refusal, hold } = await reserve(ctx, services);
  if (refusal) {
    // Nothing was forwarded, so nothing moved.
    if (hold) await settle(ctx, hold, services, { kind: 'release' });
    return refusal;
  }
  let unsent: Refusal | undefined;
  try {
    unsent = await send(hold !== undefined);
  } finally {
    // An unknown outcome (no upstream answer, or a throw) keeps the hold: it stays counted.
    if (hold) await settle(ctx, hold, services, unsent ? { kind: 'release' } : undefined);
  }
  return unsent;
}
