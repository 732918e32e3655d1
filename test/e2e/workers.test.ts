// `keybrake proxy --workers 2`: two processes behind one data-plane port and one
// admin port share the caps (one SQLite ledger under its write lock) and the
// kill switch (a kill on whichever worker the admin call reached cuts both).
// The primary alone reads the policy and sends it to both workers, under one
// generation; a /metrics scrape of either worker counts both workers' calls.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Stripe from 'stripe';
import { startFakeVendor, type FakeVendor } from '../helpers/fake-vendor.ts';
import { stripeHandler } from '../helpers/fake-stripe.ts';
import { agentKey, eventually, type Harness } from '../helpers/proxy-harness.ts';
import { rawTls, type RawConnection } from '../helpers/raw-tls.ts';
import { SPEND_500, capsPolicy, capsProxy, failure, posts, sdk, used } from './caps-fixture.ts';
import { keybrake } from '../helpers/keybrake-cli.ts';
import { proxyArgs } from '../helpers/proxy-dir.ts';

const agent = agentKey();
let fake: FakeVendor;
let h: Harness;

const readyWorkers = () => new Set(h.lines.filter((l) => l.msg === 'keybrake proxy ready').map((l) => l.worker));
/** Which worker wrote the audit line of each call whose path contains `marker`. */
const workersFor = (marker: string) =>
  new Set(h.lines.filter((l) => l.msg === 'audit' && String((l.audit as { path: string }).path).includes(marker)).map((l) => l.worker));

/** GET /metrics on a connection of its own, so the cluster may hand it to either worker. */
const scrape = (): Promise<string> =>
  new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port: h.adminPort, path: '/metrics', agent: false }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => (res.statusCode === 200 ? resolve(text) : reject(new Error(`/metrics answered ${res.statusCode}: ${text}`))));
      })
      .on('error', reject);
  });
/** The value of one series in Prometheus text (labels as written, in their order). */
const sample = (text: string, series: string): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};
interface Status {
  counts: Record<string, number>;
  workers: Array<{ worker: number; generation: number; hash: string; killed: boolean; counts: Record<string, number> }>;
}
const status = async (): Promise<Status> => (await (await h.admin('/status')).json()) as Status;
const CHARGES = 'keybrake_requests_total{vendor="stripe",policy="capped-charges",operation="charges.create",decision=';

beforeAll(async () => {
  fake = await startFakeVendor(stripeHandler);
  h = await capsProxy(fake, capsPolicy(agent.sha256), ['--workers', '2'], true); // node:cluster workers need a process of their own
  await eventually(() => expect(readyWorkers()).toEqual(new Set([1, 2])), 20_000);
});
afterAll(async () => {
  await h?.cleanup();
  await fake?.close();
});

describe('keybrake proxy --workers 2', () => {
  it('200 concurrent $40 charges against a $500 cap: exactly 12 forwarded, calls served by both workers', async () => {
    const clients = Array.from({ length: 4 }, () => sdk(agent.key, h)); // four connection pools: both workers get some
    const outcomes = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        failure(clients[i % clients.length]!.charges.create({ amount: 4000, currency: 'usd', customer: 'cus_A', source: 'tok_visa' })),
      ),
    );
    const refused = outcomes.filter((e) => e !== undefined);
    expect(outcomes.length - refused.length).toBe(12);
    expect(posts(fake.received)).toBe(12);
    for (const err of refused) {
      expect(err).toBeInstanceOf(Stripe.errors.StripeCardError);
      expect(err.code).toBe('keybrake_cap_exceeded');
    }
    await eventually(() => expect(h.auditLines().filter((a) => a.operation === 'charges.create')).toHaveLength(200));
    expect(workersFor('/v1/charges')).toEqual(new Set([1, 2]));
    expect(await used(h)).toBe(48000);
  });

  it('/metrics on either worker counts the calls of both, once each; shared gauges are not doubled', async () => {
    // Scrapes on connections of their own land on both workers; each answers for the pair.
    for (let i = 0; i < 4; i++) {
      const text = await scrape();
      expect(sample(text, `${CHARGES}"allowed"}`)).toBe(12);
      expect(sample(text, `${CHARGES}"denied"}`)).toBe(188);
      expect(sample(text, 'keybrake_cap_usage_ratio{policy="capped-charges",vendor="stripe",cap="24h stripe spend"}')).toBeCloseTo(480 / 500);
      expect(sample(text, 'keybrake_policy_generation')).toBe(1);
      expect(sample(text, 'keybrake_killed{reason="api"}')).toBe(0);
    }
    // /status: the calls of both workers, and each worker's policy and kill bit side by side.
    const s = await status();
    expect(s.counts).toMatchObject({ allowed: 12, denied: 188 });
    expect(s.workers.map((w) => [w.worker, w.generation, w.killed])).toEqual([
      [1, 1, false],
      [2, 1, false],
    ]);
    expect(s.workers.every((w) => (w.counts.allowed ?? 0) + (w.counts.denied ?? 0) > 0)).toBe(true);
  });

  it('a policy edit is read by the primary and reaches both workers under the same generation', async () => {
    h.writePolicy(capsPolicy(agent.sha256, { caps: [SPEND_500.replace('500.00', '600.00')] }));
    const reloaded = () => h.lines.filter((l) => l.msg === 'policy reloaded' && l.generation === 2);
    await eventually(() => expect(new Set(reloaded().map((l) => l.worker))).toEqual(new Set([1, 2])), 20_000);
    // One reader: the primary logged it once and sent it on; the workers compiled what it sent.
    expect(h.lines.filter((l) => l.msg === 'policy reloaded; sent to every worker' && l.generation === 2)).toHaveLength(1);
    expect(new Set(reloaded().map((l) => l.hash)).size).toBe(1);
    for (let i = 0; i < 4; i++) expect(sample(await scrape(), 'keybrake_policy_generation')).toBe(2);
    const s = await status();
    expect(s.workers.map((w) => w.generation)).toEqual([2, 2]);
    expect(new Set(s.workers.map((w) => w.hash)).size).toBe(1);
  });

  it('a kill on the admin port closes the open connections of both workers and refuses new calls', async () => {
    // Keep-alive connections, each with one answered call, spread over the workers by the cluster.
    const conns: RawConnection[] = [];
    for (let i = 0; i < 6; i++) {
      const c = await rawTls(h.port, h.caPem);
      c.socket.write(`GET /v1/charges/ch_conn${i} HTTP/1.1\r\nhost: api.stripe.com\r\nauthorization: Bearer ${agent.key}\r\n\r\n`);
      await c.waitFor(/HTTP\/1\.1 200/);
      conns.push(c);
    }
    await eventually(() => expect(workersFor('/v1/charges/ch_conn')).toEqual(new Set([1, 2])));

    const res = await h.admin('/kill', { method: 'POST', body: JSON.stringify({ reason: 'workers test' }) });
    expect(res.status).toBe(200);
    await Promise.all(conns.map((c) => c.closed)); // every connection, on either worker (the test timeout bounds it)
    expect(conns.every((c) => c.socket.destroyed)).toBe(true);
    expect((await status()).workers.map((w) => w.killed)).toEqual([true, true]);

    // New connections land on both workers again; each worker refuses as killed.
    for (let i = 0; i < 4; i++) {
      const c = await rawTls(h.port, h.caPem);
      c.socket.write(`GET /v1/charges/ch_after${i} HTTP/1.1\r\nhost: api.stripe.com\r\nauthorization: Bearer ${agent.key}\r\n\r\n`);
      await c.waitFor('keybrake_killed');
      c.socket.destroy();
    }
    await eventually(() => expect(workersFor('/v1/charges/ch_after')).toEqual(new Set([1, 2])));
    expect(fake.received.filter((r) => r.path.includes('ch_after'))).toHaveLength(0);
  });

  it('refuses --workers 2 with the per-process memory ledger, naming the ledgers that work', async () => {
    const r = await keybrake(...proxyArgs(h.dir, { caDir: 'ca', stateDir: 'other-state' }, ['--workers', '2', '--ledger', 'memory']));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--workers 2 needs a ledger every worker shares: sqlite (the default) or redis://HOST:PORT');
  });
});
