// /status numbers: per cap, used and what is left, in the cap's own units.
import { describe, expect, it } from 'vitest';
import { capStatus } from '../../src/caps/usage.ts';
import { chargeKey } from '../../src/caps/windows.ts';
import { createMemoryLedger } from '../../src/ledger/memory.ts';
import { compileStripe } from '../pipeline/fixtures/call.ts';

const NOW = Date.UTC(2025, 5, 1, 12);

describe('capStatus', () => {
  it('reports used, limit and remaining per cap, never a negative remainder', async () => {
    const { vendor } = compileStripe({
      caps: [
        { window: '24h', maxSpend: { amount: '500.00', currency: 'usd' } },
        { window: 'day', timeZone: 'America/New_York', maxRequests: 2, per: 'run' },
      ],
    });
    const ledger = createMemoryLedger();
    const scope = { credential: 'agents/stripe-live/apiKey', run: 'run-7' };
    const [spend, requests] = vendor.caps.map((cap) => chargeKey(cap, scope, NOW));
    await ledger.reserve({ requestId: 'a', charges: [{ ...spend!, amount: 48000, limit: 50000 }], now: NOW, holdMs: 1_000 });
    // A dry-run policy may run past its limit.
    await ledger.reserve({ requestId: 'b', charges: [{ ...requests!, amount: 3, limit: 2 }], now: NOW, holdMs: 1_000, dryRun: true });

    const status = await capStatus(vendor, scope, ledger, NOW);
    expect(status).toEqual([
      expect.objectContaining({
        name: '24h stripe spend',
        window: '24h',
        per: 'key',
        used: 48000,
        limit: 50000,
        remaining: 2000,
        unit: 'usd',
        summary: '$480.00 used of $500.00, $20.00 remaining',
      }),
      expect.objectContaining({
        name: 'day stripe requests',
        window: 'day America/New_York',
        per: 'run',
        run: 'run-7',
        used: 3,
        limit: 2,
        remaining: 0,
        summary: '3 requests used of 2 requests, 0 requests remaining',
      }),
    ]);
  });
});
