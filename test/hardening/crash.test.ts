// Issue 11, defect 2: one unauthenticated request must not crash the proxy.
// A body shorter than its Content-Length, a bad chunk size, and a kill during
// an upload each used to reject an unguarded promise and end the process.
// Each case runs against the real proxy process; afterwards it still answers,
// still forwards a normal call, and counted no escaped error.
import { describe, expect, it } from 'vitest';
import { useStripeProxy } from '../helpers/stripe-fixture.ts';
import { stripePolicy } from '../e2e/policies.ts';
import { eventually } from '../helpers/proxy-harness.ts';
import { rawTls, viaProxy } from '../helpers/raw-tls.ts';
import { parseExposition, sampleValue } from '../helpers/exposition.ts';

const fx = useStripeProxy((sha) => stripePolicy(sha));

async function metric(name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  return sampleValue(parseExposition(await (await fx.h.admin('/metrics')).text()), name, labels);
}

/** The proxy is alive, forwards a normal call, and no error escaped its handlers. */
async function stillServing(): Promise<void> {
  expect((await fx.h.admin('/healthz')).status).toBe(200);
  const list = await viaProxy(fx.h.port, fx.h.caPem, { path: '/v1/customers', headers: { authorization: `Bearer ${fx.key}` } });
  expect(JSON.parse(list.body).data[0]?.id).toBe('cus_A');
  expect(await metric('keybrake_unhandled_errors_total', { kind: 'rejection' })).toBe(0);
  expect(await metric('keybrake_unhandled_errors_total', { kind: 'exception' })).toBe(0);
}

function auditedWith(code: string): Promise<unknown> {
  return eventually(() => {
    const hit = fx.h.auditLines().find((a) => String(a.reason ?? '').includes(code));
    if (!hit) throw new Error(`no audit line mentioning ${code}`);
    return hit;
  });
}

describe('hostile framing does not crash the proxy', () => {
  it('a body shorter than its Content-Length, then the client closes', async () => {
    const before = fx.fake.received.length;
    const c = await rawTls(fx.h.port, fx.h.caPem);
    c.socket.end('POST /v1/refunds HTTP/1.1\r\nHost: api.stripe.com\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nab');
    await c.closed;
    await auditedWith('ended early');
    await stillServing();
    expect(fx.fake.received.filter((r) => r.path.startsWith('/v1/refunds'))).toHaveLength(0);
    expect(fx.fake.received.length).toBe(before + 1); // only stillServing's customers.list
  });

  it('a chunk size that does not parse', async () => {
    const c = await rawTls(fx.h.port, fx.h.caPem);
    c.socket.write('POST /v1/refunds HTTP/1.1\r\nHost: api.stripe.com\r\nTransfer-Encoding: chunked\r\n\r\n5\r\namoun\r\nzz\r\n');
    await c.closed;
    expect(c.received()).toMatch(/^HTTP\/1\.1 400/);
    await stillServing();
  });

  it('a connection reset in the middle of a body', async () => {
    const c = await rawTls(fx.h.port, fx.h.caPem);
    c.socket.write('POST /v1/refunds HTTP/1.1\r\nHost: api.stripe.com\r\nContent-Length: 50\r\n\r\namount=1');
    await eventually(async () => expect(await metric('keybrake_body_buffered_bytes')).toBe(50));
    c.socket.destroy();
    await eventually(async () => expect(await metric('keybrake_body_buffered_bytes')).toBe(0));
    await stillServing();
  });

  it('POST /kill while a body is being uploaded', async () => {
    const c = await rawTls(fx.h.port, fx.h.caPem);
    c.socket.write('POST /v1/refunds HTTP/1.1\r\nHost: api.stripe.com\r\nContent-Length: 1000\r\n\r\namount=100&');
    // The proxy holds the declared body in its budget once it is reading it.
    await eventually(async () => expect(await metric('keybrake_body_buffered_bytes')).toBe(1000));
    expect((await fx.h.admin('/kill', { method: 'POST', body: '{"reason":"kill during upload"}' })).status).toBe(200);
    await c.closed;
    await eventually(async () => expect(await metric('keybrake_body_buffered_bytes')).toBe(0));
    expect((await fx.h.admin('/healthz')).status).toBe(200);
    const refused = await viaProxy(fx.h.port, fx.h.caPem, { path: '/v1/customers', headers: { authorization: `Bearer ${fx.key}` } });
    expect(refused.body).toMatch(/kill during upload/);
    expect(await metric('keybrake_unhandled_errors_total', { kind: 'rejection' })).toBe(0);
  });
});
