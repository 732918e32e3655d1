// The kill check: a killed proxy refuses everything, before the body is
// parsed (handleCall runs it first). The call remembers the kill epoch it was
// admitted in; forward and the cost lookup check it again at the last moment
// (killedSinceAdmission), because the steps in between can wait (the ledger,
// a lookup) and a kill answered meanwhile must still hold.
import type { CallContext, KillView, Services } from './context.ts';
import { refuse, type Refusal } from '../refusal/catalog.ts';

export function checkKill(ctx: CallContext, services: Services): Refusal | undefined {
  ctx.killEpoch = services.killEpoch?.() ?? 0;
  const state = services.killState();
  if (!state.killed) return undefined;
  return refuse('killed', state);
}

/** The kill switch as the steps see it through Services. */
export function killView(services: Services): KillView {
  return { state: () => services.killState(), epoch: services.killEpoch?.() ?? 0 };
}

/** Before anything goes to the vendor: killed now, or cut (killed, even if revived since) after this call was admitted. */
export function killedSinceAdmission(ctx: CallContext, kill: KillView): Refusal | undefined {
  const state = kill.state();
  if (state.killed) return refuse('killed', state);
  if (ctx.killEpoch !== undefined && kill.epoch !== ctx.killEpoch) {
    return refuse('killed', { reason: 'the kill switch cut connections while this call waited; send it again', since: 'this call was admitted' });
  }
  return undefined;
}
