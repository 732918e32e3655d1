// What the audit and the ledger keep of a call: the request line with its
// query (redacted), the amount a refused call stated, the PostgreSQL schema
// from the first second, and never an Idempotency-Key in clear.
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqlConn } from '../../src/audit/sql-conn.ts';
import { keybrakeWith as keybrake } from '../helpers/keybrake-cli.ts';
import { startFakeVendor, type FakeVendor } from '../helpers/fake-vendor.ts';
import { stripeHandler } from '../helpers/fake-stripe.ts';
import { agentKey, eventually, type Harness } from '../helpers/proxy-harness.ts';
import { startStripeHarness } from '../helpers/stripe-fixture.ts';
import { startPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { stripeViaConnect } from '../helpers/stripe-client.ts';
import { SPEND_500, stripeDoc } from '../e2e/policies.ts';

// Assembled at run time so no card-shaped literal sits in the source.
const CARD = ['4242', '4242', '4242', '4242'].join('');

let fake: FakeVendor;
let pg: TestPostgres;
let h: Harness;
const agent = agentKey();
beforeAll(async () => {
  [fake, pg] = await Promise.all([startFakeVendor(stripeHandler), startPostgres('keybrake_ops_audit')]);
  const policy = stripeDoc(agent.sha256, {
    caps: [SPEND_500],
    rules: '        - {name: small-charges, allow: [charges.create], where: {amount: {max: 5000}}}\n        - {name: reads, allow: [customers.list]}\n',
  });
  h = await startStripeHarness(fake, policy, { args: ['--audit', pg.url] });
});
afterAll(async () => {
  await h?.cleanup();
  await Promise.all([fake?.close(), pg?.cleanup()]);
});

async function pgRows(): Promise<Array<Record<string, unknown>>> {
  const conn = await openSqlConn(pg.url);
  try {
    return await conn.query('SELECT operation, decision, path, amount, currency, idempotency_key FROM audit_events ORDER BY seq');
  } finally {
    await conn.close();
  }
}

describe('audit and ledger fields', () => {
  it('PostgreSQL is migrated at start: `keybrake audit calls` works on a fresh database before any call', async () => {
    const r = await keybrake(['audit', 'calls', '--db', pg.url, '--format', 'json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([]);
  });

  it('keeps the query string in the audit path, redacted', async () => {
    const stripe = stripeViaConnect(agent.key, h.port, h.caPem, { maxNetworkRetries: 0 });
    await stripe.customers.list({ limit: 3, starting_after: 'cus_A', email: `${CARD}@example.com` });
    const row = await eventually(async () => {
      const rows = (await pgRows()).filter((r) => r.operation === 'customers.list');
      expect(rows).toHaveLength(1);
      return rows[0]!;
    });
    expect(String(row.path)).toMatch(/^\/v1\/customers\?limit=3&starting_after=cus_A&email=\*+4242/);
    expect(String(row.path)).not.toContain(CARD);
  });

  it('a charge refused by a rule records the amount and currency its body stated', async () => {
    const stripe = stripeViaConnect(agent.key, h.port, h.caPem, { maxNetworkRetries: 0 });
    const refused = await stripe.charges.create({ amount: 9000, currency: 'usd', source: 'tok_visa' }).then(
      () => 'forwarded',
      (e: Error) => e.message,
    );
    expect(refused).not.toBe('forwarded');
    const row = await eventually(async () => {
      const rows = (await pgRows()).filter((r) => r.decision === 'denied');
      expect(rows).toHaveLength(1);
      return rows[0];
    });
    expect(row).toMatchObject({ operation: 'charges.create', amount: 9000, currency: 'usd' });
  });

  it('the ledger stores a hash of the Idempotency-Key, never the key', async () => {
    const stripe = stripeViaConnect(agent.key, h.port, h.caPem, { maxNetworkRetries: 0 });
    const key = `order-${CARD}`;
    await stripe.charges.create({ amount: 1000, currency: 'usd', source: 'tok_visa' }, { idempotencyKey: key });
    const retry = await stripe.charges.create({ amount: 1000, currency: 'usd', source: 'tok_visa' }, { idempotencyKey: key });
    expect(retry.amount).toBe(1000);
    const db = new DatabaseSync(path.join(h.dir, 'state/ledger.sqlite'), { readOnly: true });
    try {
      const dump = ['reservations', 'idempotency'].map((t) => JSON.stringify(db.prepare(`SELECT * FROM ${t}`).all())).join('\n');
      expect(dump).toMatch(/[0-9a-f]{64}/);
      expect(dump).not.toContain(CARD);
      expect(dump).not.toContain('order-');
      const usage = db.prepare('SELECT COUNT(*) AS n FROM idempotency').get() as { n: number };
      expect(usage.n).toBe(1);
    } finally {
      db.close();
    }
  });
});
