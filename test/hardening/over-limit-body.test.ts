// An SDK writes its whole body before it reads the answer. When the body is
// over --max-body, the client must get the 413 refusal, not EPIPE or a reset
// while it is still writing (an SDK may retry a network error). Pinned for a
// declared length and for a chunked body that grows past the limit, each
// written in pieces. Nothing is forwarded.
import https from 'node:https';
import { expect, it } from 'vitest';
import { useStripeProxy } from '../helpers/stripe-fixture.ts';
import { stripePolicy } from '../e2e/policies.ts';
import { connectAgent } from '../helpers/connect-agent.ts';
import { rawTls } from '../helpers/raw-tls.ts';

const fx = useStripeProxy((sha) => stripePolicy(sha), { args: ['--max-body', '1000'] });

/** POSTs `pieces` chunks of `size` bytes (with a Content-Length, or chunked), yielding between pieces, then reads the answer. */
function postInPieces(pieces: number, size: number, framing: 'content-length' | 'chunked'): Promise<{ status: number; body: string }> {
  const length: Record<string, number> = framing === 'content-length' ? { 'content-length': pieces * size } : {};
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: 'api.stripe.com',
        path: '/v1/refunds',
        method: 'POST',
        agent: connectAgent(fx.h.port, fx.h.caPem),
        headers: { authorization: `Bearer ${fx.key}`, 'content-type': 'application/x-www-form-urlencoded', ...length },
      },
      (res) => {
        let body = '';
        res
          .setEncoding('utf8')
          .on('data', (c) => (body += c))
          .on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    let sent = 0;
    // Yield between pieces so the proxy has seen the headers, judged them and answered before the rest is written.
    const next = () => (sent++ === pieces ? void req.end() : setImmediate(() => (req.write('a'.repeat(size)) ? next() : req.once('drain', next))));
    next();
  });
}

for (const framing of ['content-length', 'chunked'] as const) {
  it(`an over-limit body (${framing}) written in pieces gets its 413, not a reset`, async () => {
    const before = fx.fake.received.length;
    const r = await postInPieces(40, 50_000, framing);
    expect(r.status).toBe(413);
    expect(r.body).toContain('keybrake_body_too_large');
    expect(fx.fake.received.length).toBe(before);
  });
}

it('a client that writes its whole over-limit body before it reads anything still reads the 413: no reset meets its writes', async () => {
  const before = fx.fake.received.length;
  const c = await rawTls(fx.h.port, fx.h.caPem);
  c.socket.pause(); // reads nothing until the body is written, as a blocking client would
  const size = 2_000_000;
  const head = `POST /v1/refunds HTTP/1.1\r\nhost: api.stripe.com\r\nauthorization: Bearer ${fx.key}\r\ncontent-type: application/x-www-form-urlencoded\r\ncontent-length: ${size}\r\n\r\n`;
  const write = (data: string) => new Promise<Error | undefined>((resolve) => c.socket.write(data, (err) => resolve(err ?? undefined)));
  let failed = await write(head);
  for (let sent = 0; sent < size && !failed; sent += 50_000) failed = await write('a'.repeat(50_000));
  expect(failed?.message).toBeUndefined();
  c.socket.resume();
  const text = await c.waitFor('keybrake_body_too_large');
  expect(text).toMatch(/^HTTP\/1\.1 413 /);
  expect(fx.fake.received.length).toBe(before);
});
