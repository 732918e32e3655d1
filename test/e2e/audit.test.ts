// Issue 5 acceptance: every call through a real proxy — allowed, denied,
// dry-run-denied, killed — is exactly one audit row, in SQLite and in
// PostgreSQL, with its decision and cost; `keybrake audit spend` adds the rows
// up; a PostgreSQL outage spanning a proxy crash loses and duplicates nothing;
// a card number never reaches a sink.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqlConn, type Row } from '../../src/audit/sql-conn.ts';
import { formFields, stripeHandler } from '../helpers/fake-stripe.ts';
import { startFakeVendor, type FakeVendor, type Handler } from '../helpers/fake-vendor.ts';
import { startPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { parseExposition, sampleValue } from '../helpers/exposition.ts';
import { agentKey, startHarness, type Harness } from '../helpers/proxy-harness.ts';
import { waitFor, waitForExpect } from '../helpers/wait.ts';
import { stripeViaConnect } from '../helpers/stripe-client.ts';
import { REAL_STRIPE_KEY } from './policies.ts';
import { policyFixtureDocs, policyFixtureWithKey } from '../fixtures/policies.ts';

const exec = promisify(execFile);
const CLI = path.resolve(import.meta.dirname, '../../src/cli.ts');
const ADMIN_TOKEN = 'admin-token-for-audit-tests-0123456789';
/** Two documents: `support` enforces, `collections` is a dry run of small refunds on a second Stripe host. */
const POLICY = 'stripe-audit.yaml';
/** That second Stripe host, governed by the dry-run policy. */
const TRIAL_HOST = policyFixtureDocs(POLICY)[1]!.spec.vendors[0]!.hosts![0]!;
/** Luhn-valid test card numbers the agent leaks into paths, metadata and keys. */
const CARDS = ['4242424242424242', '4111111111111111', '5555555555554444'] as const;
const MASKED = CARDS.map((c) => `${'*'.repeat(12)}${c.slice(-4)}`);
const spaced = (card: string) => card.replace(/(\d{4})(?=\d)/g, '$1 ');

const agent = agentKey();

/** Stripe, except that a 2000 charge is declined (402): forwarded, but no money moved. */
const declining: Handler = (req) =>
  req.path === '/v1/charges' && formFields(req.body).amount === '2000'
    ? { status: 402, body: { error: { type: 'card_error', code: 'card_declined', message: 'Your card was declined.' } } }
    : stripeHandler(req);

let fake: FakeVendor;
let pgServer: TestPostgres;

beforeAll(async () => {
  [fake, pgServer] = await Promise.all([startFakeVendor(declining), startPostgres('keybrake_audit')]);
});
afterAll(async () => {
  await fake?.close();
  await pgServer?.cleanup();
});

/** `process`: a child process, for the tests that crash it (SIGKILL) and restart it. */
function proxy(pod: string, args: string[] = [], process = false): Promise<Harness> {
  return startHarness({
    process,
    policyYaml: policyFixtureWithKey(POLICY, agent.sha256),
    upstreams: [TRIAL_HOST, 'api.stripe.com'].map((host) => ({ host, url: fake.url, caPem: fake.caPem })),
    secrets: { 'stripe-live/apiKey': REAL_STRIPE_KEY, 'keybrake-admin/token': ADMIN_TOKEN },
    args: ['--pod', pod, ...args],
  });
}

/** A refusal or a decline is an answer; a dead connection (the proxy crashed) is a failure. */
function answeredByStripeOrKeybrake(err: unknown): void {
  if (!(err instanceof Stripe.errors.StripeError) || err instanceof Stripe.errors.StripeConnectionError) throw err;
}

/** The audit columns a reader of `keybrake audit calls` judges a call by. */
const JUDGED = ['use_case', 'operation', 'decision', 'rule', 'amount', 'currency', 'cost_cap', 'upstream_status'] as const;
type Judged = Partial<Record<(typeof JUDGED)[number], string | number>>;
const judged = (row: Row) => Object.fromEntries(JUDGED.map((k) => [k, row[k] ?? null]));

/** Runs one call of each kind; returns, in order, the row each must leave. */
async function scriptedRun(h: Harness): Promise<Row[]> {
  const api = stripeViaConnect(agent.key, h.port, h.caPem);
  const trial = stripeViaConnect(agent.key, h.port, h.caPem, { host: TRIAL_HOST });
  const expected: Row[] = [];
  const call = async (want: Judged, send: () => Promise<unknown>) => {
    await send().catch(answeredByStripeOrKeybrake); // refusals are judged by their rows
    expected.push(judged({ use_case: 'support', ...want }));
  };
  const refund = { operation: 'refunds.create', currency: 'usd' };
  const ticketsRule = { rule: 'partial-refunds-on-tickets' };

  await call({ ...refund, ...ticketsRule, decision: 'allowed', amount: 1200, cost_cap: 1200, upstream_status: 200 }, () =>
    api.refunds.create({ charge: 'ch_1', amount: 1200, metadata: { ticket_id: 'T-1' } }),
  );
  await call({ operation: 'charges.create', rule: 'charges', decision: 'allowed', amount: 1001, currency: 'eur', cost_cap: 1082, upstream_status: 200 }, () =>
    api.charges.create({ amount: 1001, currency: 'eur', source: 'tok_visa', description: `card ${spaced(CARDS[0])}`, metadata: { pan: CARDS[0] } }),
  );
  await call({ operation: 'charges.create', rule: 'charges', decision: 'allowed', amount: 2000, currency: 'usd', cost_cap: 2000, upstream_status: 402 }, () =>
    api.charges.create({ amount: 2000, currency: 'usd', source: 'tok_chargeDeclined' }),
  );
  await call({ operation: 'customers.list', rule: 'read-customers', decision: 'allowed', upstream_status: 200 }, () => api.customers.list());
  // Refused before the cost step, a call still records the amount its body stated (a refund's currency is the charge's: unknown).
  await call({ operation: 'refunds.create', ...ticketsRule, decision: 'denied', amount: 9000 }, () =>
    api.refunds.create({ charge: 'ch_1', amount: 9000, metadata: { ticket_id: 'T-2' } }),
  );
  await call({ operation: 'refunds.create', ...ticketsRule, decision: 'denied', amount: 100 }, () =>
    api.refunds.create({ charge: 'ch_1', amount: 100, metadata: { ticket_id: CARDS[1] } }, { idempotencyKey: `retry-${CARDS[2]}` }),
  );
  await call({ operation: 'customers.retrieve', decision: 'denied' }, () => api.customers.retrieve(CARDS[0]));
  await call({ ...refund, use_case: 'collections', rule: 'small-refunds', decision: 'dryrun_denied', amount: 7000, cost_cap: 7000, upstream_status: 200 }, () =>
    trial.refunds.create({ charge: 'ch_1', amount: 7000 }),
  );
  await call({ ...refund, use_case: 'collections', rule: 'small-refunds', decision: 'allowed', amount: 300, cost_cap: 300, upstream_status: 200 }, () =>
    trial.refunds.create({ charge: 'ch_1', amount: 300 }),
  );

  expect((await h.admin('/kill', { method: 'POST', body: JSON.stringify({ reason: 'audit drill' }) })).status).toBe(200);
  await call({ operation: 'refunds.create', decision: 'killed', amount: 500 }, () =>
    api.refunds.create({ charge: 'ch_1', amount: 500, metadata: { ticket_id: 'T-3' } }),
  );
  const revived = await h.admin('/revive', { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  expect(revived.status).toBe(200);
  return expected;
}

/** Every audit row one proxy (by pod) wrote, in arrival order. */
async function rowsOf(db: string, pod: string): Promise<Row[]> {
  const conn = await openSqlConn(db);
  try {
    return await conn.query('SELECT * FROM audit_events WHERE pod = $1 ORDER BY seq', [pod]);
  } finally {
    await conn.close();
  }
}

/** Rows once as many as expected have arrived (the stores write in batches). */
async function rowsWhenStored(db: string, pod: string, count: number, timeoutMs = 10_000): Promise<Row[]> {
  return waitFor(
    async () => {
      const rows = await rowsOf(db, pod);
      expect(rows.length).toBeGreaterThanOrEqual(count);
      return rows;
    },
    { timeoutMs: timeoutMs, everyMs: 100 },
  );
}

async function auditCli(...args: string[]): Promise<string> {
  const { stdout } = await exec(process.execPath, [CLI, 'audit', ...args]);
  return stdout;
}

/** Asserts no card number (plain or grouped) is in `text`, and that the masked forms are: the leak vectors were recorded. */
function expectCardsMasked(sink: string, text: string, masked = MASKED): void {
  for (const card of CARDS) {
    expect(text, `${sink} holds ${card}`).not.toContain(card);
    expect(text, `${sink} holds ${spaced(card)}`).not.toContain(spaced(card));
  }
  for (const m of masked) expect(text, `${sink} lacks ${m}`).toContain(m);
}

/** The bytes of every audit file in a state dir (database, WAL, spool), as text. */
function auditFiles(h: Harness): string {
  const state = path.join(h.dir, 'state');
  return fs
    .readdirSync(state)
    .filter((f) => f.startsWith('audit'))
    .map((f) => fs.readFileSync(path.join(state, f), 'latin1'))
    .join('\n');
}

const stores = [
  { store: 'SQLite (default)', args: () => [], db: (h: Harness) => path.join(h.dir, 'state', 'audit.db') },
  { store: 'PostgreSQL', args: () => ['--audit', pgServer.url], db: () => pgServer.url },
];

describe.each(stores)('a scripted run audited to $store', ({ store, args, db }) => {
  let h: Harness;
  let expected: Row[];
  let rows: Row[];
  const pod = `pod-${store.split(' ')[0]!.toLowerCase()}`;

  beforeAll(async () => {
    h = await proxy(pod, args());
    expected = await scriptedRun(h);
    rows = await rowsWhenStored(db(h), pod, expected.length);
    // Nothing queued in any sink: a late duplicate would have landed by now.
    await waitForExpect(async () => {
      const depths = parseExposition(await (await h.admin('/metrics')).text()).filter((s) => s.name === 'keybrake_audit_queue_depth');
      expect(depths.length).toBeGreaterThan(0);
      for (const d of depths) expect(d.value).toBe(0);
    });
    rows = await rowsOf(db(h), pod);
  });
  afterAll(async () => {
    await h?.cleanup();
  });

  it('stores exactly one row per call, with its decision, rule and cost', () => {
    expect(rows.map(judged)).toEqual(expected);
    const logged = h.auditLines().map((l) => l.eventId);
    expect(rows.map((r) => r.event_id)).toEqual(logged);
  });

  it('keeps the card numbers out of paths, reasons and idempotency keys, masked to the last four', () => {
    const byOp = (op: string) => rows.filter((r) => r.operation === op);
    expect(byOp('customers.retrieve')[0]!.path).toBe(`/v1/customers/${MASKED[0]}`);
    const leaky = byOp('refunds.create').find((r) => String(r.reason).includes('ticket_id'))!;
    expect(leaky.idempotency_key).toBe(`retry-${MASKED[2]}`);
    expect(leaky.reason).toContain(MASKED[1]);
    expectCardsMasked('stdout', JSON.stringify(h.lines));
    expectCardsMasked(`${store} rows`, JSON.stringify(rows));
    if (store.startsWith('SQLite')) expectCardsMasked('SQLite files', auditFiles(h));
  });

  it('`keybrake audit spend --by use-case` totals the money that left, per use case and currency', async () => {
    const json = JSON.parse(await auditCli('spend', '--by', 'use-case', '--since', '1h', '--db', db(h), '--format', 'json'));
    expect(json).toEqual([
      { use_case: 'support', currency: 'eur', total: 1001, total_formatted: '€10.01', calls: 1 },
      { use_case: 'collections', currency: 'usd', total: 7300, total_formatted: '$73.00', calls: 2 },
      { use_case: 'support', currency: 'usd', total: 1200, total_formatted: '$12.00', calls: 1 },
    ]);
    const table = await auditCli('spend', '--by', 'use-case', '--db', db(h));
    expect(
      table
        .trimEnd()
        .split('\n')
        .map((l) => l.split(/\s{2,}/)),
    ).toEqual([
      ['USE CASE', 'TOTAL', 'CALLS'],
      ['support', '€10.01', '1'],
      ['collections', '$73.00', '2'],
      ['support', '$12.00', '1'],
    ]);
  });
});

describe('PostgreSQL stopped mid-run, the proxy crashed and restarted while it is down', () => {
  const pod = 'pod-outage';
  let url: string;
  let h: Harness;

  beforeAll(async () => {
    // A database of its own, so the counts below are this run's alone.
    const admin = new pg.Client({ connectionString: pgServer.url });
    await admin.connect();
    await admin.query('CREATE DATABASE audit_outage');
    await admin.end();
    url = pgServer.url.replace(/\/[^/]+$/, '/audit_outage');
    h = await proxy(pod, ['--audit', url], true);
  });
  afterAll(async () => {
    await h?.cleanup();
  });

  /** Alternates an allowed refund with a denied one whose metadata carries a card number. */
  async function burst(from: number, n: number): Promise<void> {
    const api = stripeViaConnect(agent.key, h.port, h.caPem);
    for (let i = from; i < from + n; i++) {
      const ticket = i % 2 === 0 ? `T-${i}` : CARDS[1]!;
      await api.refunds.create({ charge: 'ch_1', amount: 100 + i, metadata: { ticket_id: ticket } }).catch(answeredByStripeOrKeybrake);
    }
  }

  /** Every record of the calls so far is out of memory: in PostgreSQL or in the fsynced spool. */
  async function delivered(calls: number): Promise<void> {
    await waitForExpect(
      async () => {
        expect(h.auditLines()).toHaveLength(calls);
        const samples = parseExposition(await (await h.admin('/metrics')).text());
        expect(sampleValue(samples, 'keybrake_audit_queue_depth', { sink: 'postgres' })).toBe(0);
      },
      { timeoutMs: 10_000, everyMs: 50 },
    );
  }

  const spoolFile = () => path.join(h.dir, 'state', 'audit-spool.jsonl');
  const spooled = () => fs.readFileSync(spoolFile(), 'utf8').trimEnd().split('\n');

  it('spools while it is down, replays after the restart, and stores every call exactly once', async () => {
    await burst(0, 6);
    await pgServer.stop(); // not waiting for the first calls to land: some are in flight
    await burst(6, 6);
    await delivered(12);
    const beforeCrash = spooled().length;
    expect(beforeCrash).toBeGreaterThanOrEqual(6);

    await h.restart(); // SIGKILL: the spool is all that carries those records over
    await burst(12, 6);
    await delivered(18);
    expect(spooled().length).toBe(beforeCrash + 6);
    expectCardsMasked('spool', fs.readFileSync(spoolFile(), 'latin1'), [MASKED[1]!]);

    await pgServer.start();
    const rows = await waitFor(
      async () => {
        const all = await rowsOf(url, pod);
        expect(all).toHaveLength(18);
        expect(fs.existsSync(spoolFile())).toBe(false);
        return all;
      },
      { timeoutMs: 30_000, everyMs: 200 },
    );
    const ids = rows.map((r) => r.event_id);
    expect(new Set(ids).size).toBe(18);
    expect(new Set(ids)).toEqual(new Set(h.auditLines().map((l) => l.eventId)));
    expect(rows.map((r) => r.decision)).toEqual(Array.from({ length: 18 }, (_, i) => (i % 2 === 0 ? 'allowed' : 'denied')));
    expectCardsMasked('PostgreSQL rows after replay', JSON.stringify(rows), [MASKED[1]!]);
    expectCardsMasked('stdout', JSON.stringify(h.lines), [MASKED[1]!]);
  });

  it('replays a spool whose records are already stored (a crash before it was deleted) without a second row', async () => {
    // What a crash after the INSERT committed, before the spool went, leaves: the same records once more.
    // (The running proxy, its store reachable, never reads the spool; the restart below does.)
    fs.writeFileSync(
      spoolFile(),
      h
        .auditLines()
        .map((r) => `${JSON.stringify(r)}\n`)
        .join(''),
    );
    await h.restart();
    await waitForExpect(() => expect(fs.existsSync(spoolFile())).toBe(false), { timeoutMs: 15_000, everyMs: 100 });
    expect(await rowsOf(url, pod)).toHaveLength(18);
    expect(fs.existsSync(path.join(h.dir, 'state', 'audit-rejected.jsonl'))).toBe(false);
  });
});
