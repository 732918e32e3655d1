// Reserve, forward, settle as one layer: every hold the ledger takes is settled
// or kept exactly once, whatever forwarding does, and nothing is settled for a
// call that holds nothing.
import { describe, expect, it } from 'vitest';
import type { CallContext } from '../../src/pipeline/context.ts';
import type { Settlement } from '../../src/ledger/ledger.ts';
import type { Cap } from '../../src/policy/schema.ts';
import { estimateCost } from '../../src/pipeline/cost.ts';
import { reserveAround } from '../../src/pipeline/hold.ts';
import { capStatus } from '../../src/caps/usage.ts';
import { refuse, type Refusal } from '../../src/refusal/catalog.ts';
import { CREDENTIAL_SCOPE, compileStripe, stripeCall, testServices, type CompiledStripe, type TestServices } from './fixtures/call.ts';

const SPEND_50_USD: Cap = { window: '24h', maxSpend: { amount: '50.00', currency: 'usd' } };

/** The services, recording every settle the layer makes. */
function recording(): TestServices & { settled: Array<{ requestId: string; kind: Settlement['kind'] }> } {
  const services = testServices();
  const settled: Array<{ requestId: string; kind: Settlement['kind'] }> = [];
  const inner = services.ledger.settle.bind(services.ledger);
  services.ledger.settle = async (requestId, settlement, now) => {
    settled.push({ requestId, kind: settlement.kind });
    return inner(requestId, settlement, now);
  };
  return Object.assign(services, { settled });
}

async function used(stripe: CompiledStripe, services: TestServices): Promise<number[]> {
  return (await capStatus(stripe.vendor, { credential: CREDENTIAL_SCOPE }, services.ledger, services.clock.now())).map((s) => s.used);
}

function charge(stripe: CompiledStripe, amount: number): CallContext {
  return stripeCall(stripe, { form: `amount=${amount}&currency=usd&customer=cus_A` });
}

async function run(ctx: CallContext, services: TestServices, send: (keepJson: boolean) => Promise<Refusal | undefined | void>) {
  expect(await estimateCost(ctx, services)).toBeUndefined();
  return reserveAround(ctx, services, async (keepJson) => (await send(keepJson)) ?? undefined);
}

interface Case {
  name: string;
  enforcement?: 'enforce' | 'dryrun';
  caps: Cap[];
  /** Earlier calls of $40 that fill the cap first. */
  before: number;
  /** What forwarding does; undefined: it is never reached. 'killed': a kill came first, nothing was sent. */
  upstream?: { status: number; error?: string } | 'throws' | 'killed';
  expect: { refused?: string; sent: boolean; keepJson?: boolean; settled: Settlement['kind'][]; used: number[] };
}

const CASES: Case[] = [
  {
    name: 'a 2xx commits',
    caps: [SPEND_50_USD],
    before: 0,
    upstream: { status: 200 },
    expect: { sent: true, keepJson: true, settled: ['commit'], used: [4000] },
  },
  {
    name: 'a 4xx releases',
    caps: [SPEND_50_USD],
    before: 0,
    upstream: { status: 402 },
    expect: { sent: true, keepJson: true, settled: ['release'], used: [0] },
  },
  {
    name: 'an unknown outcome keeps',
    caps: [SPEND_50_USD],
    before: 0,
    upstream: { status: 0, error: 'upstream error: socket hang up' },
    expect: { sent: true, keepJson: true, settled: ['keep'], used: [4000] },
  },
  {
    name: 'forwarding that throws keeps',
    caps: [SPEND_50_USD],
    before: 0,
    upstream: 'throws',
    expect: { sent: true, keepJson: true, settled: ['keep'], used: [4000] },
  },
  {
    name: 'a kill before sending releases',
    caps: [SPEND_50_USD],
    before: 0,
    upstream: 'killed',
    expect: { refused: 'keybrake_killed', sent: true, keepJson: true, settled: ['release'], used: [0] },
  },
  {
    name: 'a cap refusal sends and settles nothing',
    caps: [SPEND_50_USD],
    before: 1,
    expect: { refused: 'keybrake_cap_exceeded', sent: false, settled: [], used: [4000] },
  },
  {
    name: 'no caps: nothing held, nothing settled',
    caps: [],
    before: 0,
    upstream: { status: 200 },
    expect: { sent: true, keepJson: false, settled: [], used: [] },
  },
  {
    name: 'dry-run past the cap forwards and settles',
    enforcement: 'dryrun',
    caps: [SPEND_50_USD],
    before: 1,
    upstream: { status: 200 },
    expect: { sent: true, keepJson: true, settled: ['commit'], used: [8000] },
  },
];

describe('reserve around forward', () => {
  it.each(CASES)('$name', async (c) => {
    const stripe = compileStripe({ caps: c.caps }, c.enforcement);
    const services = recording();
    for (let i = 0; i < c.before; i++) {
      const earlier = charge(stripe, 4000);
      expect(await run(earlier, services, async () => void (earlier.upstream = { status: 200, headers: {} }))).toBeUndefined();
    }
    services.settled.length = 0;
    const ctx = charge(stripe, 4000);
    const sent: boolean[] = [];
    const outcome = run(ctx, services, async (keepJson) => {
      sent.push(keepJson);
      if (c.upstream === 'throws') throw new Error('bug in forward');
      if (c.upstream === 'killed') return refuse('killed', { reason: 'test' });
      ctx.upstream = { status: c.upstream!.status, headers: {}, ...(c.upstream!.error ? { error: c.upstream!.error } : {}) };
    });
    if (c.upstream === 'throws') await expect(outcome).rejects.toThrow('bug in forward');
    else expect((await outcome)?.code).toBe(c.expect.refused);
    expect(sent).toEqual(c.expect.sent ? [c.expect.keepJson] : []);
    expect(services.settled).toEqual(c.expect.settled.map((kind) => ({ requestId: ctx.id, kind })));
    expect(await used(stripe, services)).toEqual(c.expect.used);
  });

  it('settles nothing for an SDK retry that maps to the first reservation', async () => {
    const stripe = compileStripe({ caps: [SPEND_50_USD] });
    const services = recording();
    const calls = [0, 1].map(() => stripeCall(stripe, { form: 'amount=4000&currency=usd', idempotencyKey: 'retry-1' }));
    for (const ctx of calls) await run(ctx, services, async () => void (ctx.upstream = { status: 200, headers: {} }));
    expect(services.settled).toEqual([{ requestId: calls[0]!.id, kind: 'commit' }]);
    expect(await used(stripe, services)).toEqual([4000]);
  });
});
