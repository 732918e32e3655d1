// Step: a killed proxy refuses everything, before any parsing.
import type { Step } from './context.ts';

export const KILLED_CODE = 'keybrake_killed';

export const checkKill: Step = (_ctx, services) => {
  const state = services.killState();
  if (!state.killed) return undefined;
  return {
    status: 403,
    code: KILLED_CODE,
    message:
      `keybrake kill switch is on since ${state.since ?? 'startup'}: ${state.reason ?? 'no reason given'}. ` +
      'No call is forwarded until an operator revives it; stop retrying.',
  };
};
