// A policy kill announced through pods/proxy (policy + generation) holds until the
// sidecar loads that policy at that generation. Announcements need no credential,
// so one naming a generation that never comes must still yield to the admin token.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { KillSwitch } from '../../src/kill/kill-switch.ts';

const dirs: string[] = [];
const stateDir = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'kb-kill-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

it('an announced kill holds through an older policy load and lifts when the announced generation loads', () => {
  const k = new KillSwitch(stateDir());
  k.killAhead('refunds', 7, 'alert RefundLoop');
  k.settleAhead(new Map([['refunds', 6]]));
  expect(k.state()).toMatchObject({ killed: true, source: 'policy', reason: 'alert RefundLoop' });
  k.settleAhead(new Map([['refunds', 7]]));
  expect(k.state().killed).toBe(false);
});

it('a forged announcement (a generation that never comes) is cleared by the admin revive', () => {
  const k = new KillSwitch(stateDir());
  k.killAhead('refunds', 1_000_000, 'forged');
  k.settleAhead(new Map([['refunds', 8]]));
  expect(k.state().killed).toBe(true);
  k.revive();
  expect(k.state().killed).toBe(false);
});

it('the admin revive does not lift a kill the loaded policy carries', () => {
  const k = new KillSwitch(stateDir());
  k.setPolicyKill('spec.killed by alice');
  k.killAhead('refunds', 9, 'alert');
  k.revive();
  expect(k.state()).toMatchObject({ killed: true, reason: 'spec.killed by alice' });
});
