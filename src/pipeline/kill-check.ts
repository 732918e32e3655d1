// Step: a killed proxy refuses everything, before any parsing. The call
// remembers the kill epoch it was admitted in; forward checks it again at the
// last moment (killedSinceAdmission), because the steps in between can wait
// (the ledger, a lookup) and a kill answered meanwhile must still hold.
import type { CallContext, Services, Step } from './context.ts';
import type { Refusal } from '../vendors/pack.ts';

export const KILLED_CODE = 'keybrake_killed';

export const checkKill: Step = (ctx, services) => {
  ctx.killEpoch = services.killEpoch?.() ?? 0;
  const state = services.killState();
  if (!state.killed) return undefined;
  return killedRefusal(state);
};

function killedRefusal(state: { reason?: string; since?: string }): Refusal {
  return {
    status: 403,
    code: KILLED_CODE,
    message:
      `keybrake kill switch is on since ${state.since ?? 'startup'}: ${state.reason ?? 'no reason given'}. ` +
      'No call is forwarded until an operator revives it; stop retrying.',
  };
}

export interface KillView {
  state(): { killed: boolean; reason?: string; since?: string };
  readonly epoch: number;
}

/** The kill switch as the steps see it through Services. */
export function killView(services: Services): KillView {
  return { state: () => services.killState(), epoch: services.killEpoch?.() ?? 0 };
}

/** Before anything goes to the vendor: killed now, or cut (killed, even if revived since) after this call was admitted. */
export function killedSinceAdmission(ctx: CallContext, kill: KillView): Refusal | undefined {
  const state = kill.state();
  if (state.killed) return killedRefusal(state);
  if (ctx.killEpoch !== undefined && kill.epoch !== ctx.killEpoch) {
    return killedRefusal({ reason: 'the kill switch cut connections while this call waited; send it again', since: 'this call was admitted' });
  }
  return undefined;
}
