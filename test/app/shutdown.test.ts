// SIGTERM drains: not ready at once, no new connections, in-flight calls
// finish (or are cut after --drain-timeout, still audited), the audit is
// flushed, exit 0. A second signal exits at once. Real process, real sockets.
import net from 'node:net';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeVendor, type FakeVendor } from '../helpers/fake-vendor.ts';
import { stripeHandler } from '../helpers/fake-stripe.ts';
import { agentKey, eventually, type Harness } from '../helpers/proxy-harness.ts';
import { startStripeHarness } from '../helpers/stripe-fixture.ts';
import { stripeViaConnect } from '../helpers/stripe-client.ts';
import { stripePolicy } from '../e2e/policies.ts';

let fake: FakeVendor;
beforeAll(async () => {
  fake = await startFakeVendor(stripeHandler);
});
afterAll(() => fake.close());

const agent = agentKey();
const started: Harness[] = [];
afterAll(() => Promise.all(started.map((h) => h.cleanup())));

async function proxy(args: string[] = []): Promise<Harness> {
  const h = await startStripeHarness(fake, stripePolicy(agent.sha256), {
    args,
    process: true, // signals and the exit code are what these tests are about
  });
  started.push(h);
  return h;
}

function auditRows(h: Harness): Array<Record<string, unknown>> {
  const db = new DatabaseSync(path.join(h.dir, 'state/audit.db'), { readOnly: true });
  try {
    return db.prepare('SELECT operation, decision, amount, reason, upstream_status FROM audit_events ORDER BY seq').all() as Array<Record<string, unknown>>;
  } finally {
    db.close();
  }
}

const refuses = (port: number) =>
  new Promise<string>((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve('connected')));
    s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
  });

describe('SIGTERM', () => {
  it('lets an already-forwarded refund finish, goes not-ready, refuses new connections, flushes the audit, exits 0', async () => {
    const h = await proxy(['--drain-timeout', '2m']);
    const stripe = stripeViaConnect(agent.key, h.port, h.caPem, { maxNetworkRetries: 0 });
    fake.hold((r) => r.method === 'POST');
    const before = fake.received.length;
    const refund = stripe.refunds.create({ charge: 'ch_1', amount: 1200, metadata: { ticket_id: 'T-drain' } });
    await eventually(() => expect(fake.received.length).toBeGreaterThan(before));
    const exited = h.signal('SIGTERM');
    const readyz = await eventually(async () => {
      const r = await h.admin('/readyz');
      expect(r.status).toBe(503);
      return r.json();
    });
    expect(readyz.problems).toContainEqual(expect.objectContaining({ check: 'shutdown' }));
    expect(await refuses(h.port)).toBe('ECONNREFUSED');
    fake.release();
    expect((await refund).amount).toBe(1200);
    expect(await exited).toBe(0);
    expect(auditRows(h)).toEqual([expect.objectContaining({ operation: 'refunds.create', decision: 'allowed', amount: 1200, upstream_status: 200 })]);
  });

  it('a call still in its cost lookup when --drain-timeout ends is cut and still gets its audit row', async () => {
    const h = await proxy(['--drain-timeout', '200ms']);
    const stripe = stripeViaConnect(agent.key, h.port, h.caPem, { maxNetworkRetries: 0 });
    fake.hold((r) => r.method === 'GET'); // the lookup of the charge's currency never answers
    const before = fake.received.length;
    const refund = stripe.refunds.create({ charge: 'ch_1', amount: 700, metadata: { ticket_id: 'T-cut' } }).then(
      () => 'completed',
      (e: Error) => e.message,
    );
    await eventually(() => expect(fake.received.slice(before).some((r) => r.method === 'GET')).toBe(true));
    expect(await h.signal('SIGTERM')).toBe(0);
    fake.release();
    expect(await refund).not.toBe('completed');
    expect(fake.received.slice(before).some((r) => r.method === 'POST')).toBe(false);
    const rows = auditRows(h);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ operation: 'refunds.create', decision: 'error', amount: 700 });
    expect(String(rows[0]!.reason)).toContain('cut by shutdown');
  });

  it('a second signal exits at once, without waiting for the drain', async () => {
    const h = await proxy(['--drain-timeout', '10m']);
    const stripe = stripeViaConnect(agent.key, h.port, h.caPem, { maxNetworkRetries: 0 });
    fake.hold((r) => r.method === 'POST');
    const before = fake.received.length;
    const refund = stripe.refunds.create({ charge: 'ch_1', amount: 300, metadata: { ticket_id: 'T-twice' } }).catch(() => undefined);
    await eventually(() => expect(fake.received.length).toBeGreaterThan(before));
    const exited = h.signal('SIGTERM');
    await eventually(async () => expect((await h.admin('/readyz')).status).toBe(503));
    void h.signal('SIGTERM');
    // The held call never finishes and the drain would wait 10 minutes: only the second signal ends the process.
    expect(await exited).toBe(1);
    fake.release();
    await refund;
  });
});

describe('logs', () => {
  it('are JSON lines with string levels, ISO times, and errors with their stack', async () => {
    const h = await proxy();
    const ready = h.lines.find((l) => l.msg === 'keybrake proxy ready')!;
    expect(ready.level).toBe('info');
    expect(new Date(String(ready.time)).toISOString()).toBe(ready.time);
    h.writePolicy('apiVersion: keybrake.dev/v1alpha1\nkind: EgressPolicy\nmetadata: {name: broken}\nspec: {vendors: 7}\n');
    const refused = await eventually(() => {
      const line = h.lines.find((l) => String(l.msg).startsWith('policy reload refused'));
      expect(line).toBeDefined();
      return line!;
    });
    expect(refused.level).toBe('error');
    const err = refused.err as { type: string; message: string; stack: string };
    expect(err.message).toContain('broken');
    expect(err.stack).toMatch(/\n\s+at /);
  });
});
