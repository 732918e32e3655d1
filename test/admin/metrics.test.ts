import { describe, expect, it } from 'vitest';
import { ProxyMetrics } from '../../src/admin/metrics.ts';
import { parseExposition, sampleValue, type ExpositionSample } from '../helpers/exposition.ts';
import { fakePolicy, fakeVendor, requestCap, spendCap, stripe } from '../monitoring/fixture.ts';

async function scrape(m: ProxyMetrics): Promise<ExpositionSample[]> {
  return parseExposition(await m.metricsText());
}

describe('ProxyMetrics', () => {
  const call = { vendor: 'stripe', policy: 'support-refunds', bodyBytes: 10 };
  const loaded = (): ProxyMetrics => {
    const m = new ProxyMetrics();
    m.policyLoaded(fakePolicy(1, [stripe]));
    return m;
  };

  it('counts requests by vendor, policy, catalog operation and decision', async () => {
    const m = loaded();
    m.recordRequest({ ...call, operation: 'refunds.create', decision: 'allowed' });
    m.recordRequest({ ...call, operation: 'refunds.create', decision: 'allowed' });
    m.recordRequest({ ...call, operation: 'refunds.create', decision: 'denied' });
    const s = await scrape(m);
    const labels = { vendor: 'stripe', policy: 'support-refunds', operation: 'refunds.create' };
    expect(sampleValue(s, 'keybrake_requests_total', { ...labels, decision: 'allowed' })).toBe(2);
    expect(sampleValue(s, 'keybrake_requests_total', { ...labels, decision: 'denied' })).toBe(1);
  });

  it('never lets a path, an id or an unknown operation become a label value', async () => {
    const m = loaded();
    // payouts.create is a real Stripe id, but not in the catalog of the pack the policy loaded.
    for (const operation of ['', '/v1/refunds/re_123', 're_123', 'payouts.create']) {
      m.recordRequest({ ...call, operation, decision: 'denied' });
    }
    m.recordRequest({ vendor: '', operation: 'whatever', decision: 'denied', bodyBytes: 1 }); // host no policy governs
    m.recordRequest({ vendor: 'twilio', policy: 'sms', operation: 'messages.create', decision: 'denied', bodyBytes: 1 }); // no catalog loaded
    const ops = (await scrape(m)).filter((x) => x.name === 'keybrake_requests_total');
    expect(ops.map((x) => [x.labels.vendor, x.labels.operation, x.value])).toEqual([
      ['stripe', 'unknown', 4],
      ['none', 'unknown', 1],
      ['twilio', 'unknown', 1],
    ]);
  });

  it('exports committed spend in major units of each currency', async () => {
    const m = new ProxyMetrics();
    m.recordSpend('stripe', 'support-refunds', 'usd', 4_000);
    m.recordSpend('stripe', 'support-refunds', 'USD', 4_050);
    m.recordSpend('stripe', 'support-refunds', 'jpy', 1_000); // zero-decimal
    m.recordSpend('stripe', 'support-refunds', 'kwd', 12_340); // three-decimal
    const s = await scrape(m);
    const spend = (currency: string) => sampleValue(s, 'keybrake_spend_committed_total', { vendor: 'stripe', policy: 'support-refunds', currency });
    expect(spend('usd')).toBeCloseTo(80.5, 9);
    expect(spend('jpy')).toBe(1_000);
    expect(spend('kwd')).toBeCloseTo(12.34, 9);
  });

  it('exports spend at 0 in each spend cap currency from policy load, so rate() counts the first charge', async () => {
    const m = new ProxyMetrics();
    m.policyLoaded(fakePolicy(1, [stripe]));
    const s = await scrape(m);
    expect(sampleValue(s, 'keybrake_spend_committed_total', { vendor: 'stripe', policy: 'support-refunds', currency: 'usd' })).toBe(0);
  });

  it('reports cap usage as a ratio and drops caps a reload removed', async () => {
    const m = new ProxyMetrics();
    const [spend, requests] = stripe.caps;
    m.setCapUsage(stripe, spend!, 45_000); // $450 of $500
    m.setCapUsage(stripe, requests!, 3); // 3 of 30
    let s = await scrape(m);
    expect(sampleValue(s, 'keybrake_cap_usage_ratio', { cap: '24h stripe spend' })).toBeCloseTo(0.9, 9);
    expect(sampleValue(s, 'keybrake_cap_usage_ratio', { cap: '1m stripe requests' })).toBeCloseTo(0.1, 9);

    const trimmed = fakeVendor({ vendor: 'stripe', policy: 'support-refunds', operations: [], caps: [spendCap('24h stripe spend', 50_000, 'usd')] });
    m.policyLoaded(fakePolicy(2, [trimmed]));
    s = await scrape(m);
    expect(sampleValue(s, 'keybrake_cap_usage_ratio', { cap: '24h stripe spend' })).toBeCloseTo(0.9, 9);
    expect(sampleValue(s, 'keybrake_cap_usage_ratio', { cap: '1m stripe requests' })).toBeUndefined();
    expect(sampleValue(s, 'keybrake_policy_generation')).toBe(2);
  });

  it('treats a zero limit as exhausted', async () => {
    const m = new ProxyMetrics();
    m.setCapUsage(stripe, requestCap('frozen', 0), 0);
    expect(sampleValue(await scrape(m), 'keybrake_cap_usage_ratio', { cap: 'frozen' })).toBe(1);
  });

  it('shows the kill on the series of its source, from a fixed set, and clears it on revive', async () => {
    const m = new ProxyMetrics();
    const killed = async () => Object.fromEntries((await scrape(m)).filter((x) => x.name === 'keybrake_killed').map((x) => [x.labels.reason, x.value]));
    expect(await killed()).toEqual({ api: 0, alertmanager: 0, policy: 0, restart: 0 });
    m.setKilled('alertmanager');
    expect(await killed()).toEqual({ api: 0, alertmanager: 1, policy: 0, restart: 0 });
    m.setKilled(undefined);
    expect(await killed()).toEqual({ api: 0, alertmanager: 0, policy: 0, restart: 0 });
  });

  it('reads audit sink stats and certificate expiry at scrape time', async () => {
    const m = new ProxyMetrics();
    const stats = { queued: 5, dropped: 0, spooled: 0, errors: 0 };
    m.watchAudit(() => ({ postgres: stats }));
    const caNotAfter = new Date('2031-01-01T00:00:00Z');
    let notAfter = new Date('2027-03-01T00:00:00Z');
    m.watchCertificates(() => ({ caNotAfter, leaves: [{ host: 'api.stripe.com', notAfter }] }));
    let s = await scrape(m);
    expect(sampleValue(s, 'keybrake_audit_queue_depth', { sink: 'postgres' })).toBe(5);
    expect(sampleValue(s, 'keybrake_certificate_expiry_timestamp_seconds', { kind: 'ca' })).toBe(caNotAfter.getTime() / 1000);
    expect(sampleValue(s, 'keybrake_certificate_expiry_timestamp_seconds', { kind: 'leaf', host: 'api.stripe.com' })).toBe(notAfter.getTime() / 1000);

    Object.assign(stats, { queued: 0, dropped: 7, spooled: 40, errors: 2 });
    notAfter = new Date('2028-03-01T00:00:00Z');
    s = await scrape(m);
    expect(sampleValue(s, 'keybrake_audit_queue_depth', { sink: 'postgres' })).toBe(0);
    expect(sampleValue(s, 'keybrake_audit_dropped_total', { sink: 'postgres' })).toBe(7);
    expect(sampleValue(s, 'keybrake_audit_spooled_total', { sink: 'postgres' })).toBe(40);
    expect(sampleValue(s, 'keybrake_audit_errors_total', { sink: 'postgres' })).toBe(2);
    expect(sampleValue(s, 'keybrake_certificate_expiry_timestamp_seconds', { kind: 'leaf' })).toBe(notAfter.getTime() / 1000);
  });

  it('observes upstream latency in seconds and body sizes in bytes', async () => {
    const m = new ProxyMetrics();
    m.recordRequest({ ...call, operation: 'charges.create', decision: 'allowed', bodyBytes: 300, upstreamSeconds: 0.2 });
    m.recordRequest({ ...call, operation: 'charges.create', decision: 'denied', bodyBytes: 50 }); // never forwarded
    const s = await scrape(m);
    expect(sampleValue(s, 'keybrake_upstream_duration_seconds_count', { vendor: 'stripe' })).toBe(1);
    expect(sampleValue(s, 'keybrake_upstream_duration_seconds_bucket', { vendor: 'stripe', le: '0.25' })).toBe(1);
    expect(sampleValue(s, 'keybrake_upstream_duration_seconds_bucket', { vendor: 'stripe', le: '0.1' })).toBe(0);
    expect(sampleValue(s, 'keybrake_request_body_bytes_sum', { vendor: 'stripe' })).toBe(350);
  });

  it('exports error counters from zero, process metrics and event-loop delay, in its own registry', async () => {
    const a = new ProxyMetrics();
    const b = new ProxyMetrics();
    a.policyReloadFailed();
    a.ledgerError();
    a.ledgerError();
    const sa = await scrape(a);
    const sb = await scrape(b);
    expect(sampleValue(sa, 'keybrake_policy_reload_errors_total')).toBe(1);
    expect(sampleValue(sa, 'keybrake_ledger_errors_total')).toBe(2);
    expect(sampleValue(sb, 'keybrake_ledger_errors_total')).toBe(0);
    for (const name of ['process_resident_memory_bytes', 'nodejs_eventloop_lag_p99_seconds', 'process_start_time_seconds']) {
      expect(sampleValue(sa, name)).toBeGreaterThanOrEqual(0);
    }
    expect(a.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  });
});
