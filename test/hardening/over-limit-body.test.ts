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

const fx = useStripeProxy((sha) => stripePolicy(sha), { args: ['--max-body', '1000'] });

/** POSTs `pieces` chunks of `size` bytes, each after the previous one drained, then reads the answer. */
function postInPieces(pieces: number, size: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: 'api.stripe.com',
        path: '/v1/refunds',
        method: 'POST',
        agent: connectAgent(fx.h.port, fx.h.caPem),
        headers: { authorization: `Bearer ${fx.key}`, 'content-type': 'application/x-www-form-urlencoded', 'content-length': pieces * size },
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
    const next = () => {
      // Yield between pieces so the proxy has seen the headers, judged them and answered before the rest is written.
      if (sent++ === pieces) return void req.end();
      setImmediate(() => (req.write('a'.repeat(size)) ? next() : req.once('drain', next)));
    };
    req.flushHeaders();
    next();
  });
}

it('a declared over-limit body written in pieces gets its 413, not a reset', async () => {
  const before = fx.fake.received.length;
  const r = await postInPieces(40, 50_000);
  expect(r.status).toBe(413);
  expect(r.body).toContain('keybrake_body_too_large');
  expect(fx.fake.received.length).toBe(before);
});

it('a chunked body that grows over the limit gets its 413, not a reset', async () => {
  const before = fx.fake.received.length;
  const r = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = https.request(
      {
        host: 'api.stripe.com',
        path: '/v1/refunds',
        method: 'POST',
        agent: connectAgent(fx.h.port, fx.h.caPem),
        headers: { authorization: `Bearer ${fx.key}`, 'content-type': 'application/x-www-form-urlencoded' },
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
    const next = () => (sent++ === 40 ? req.end() : setImmediate(() => (req.write('b'.repeat(50_000)) ? next() : req.once('drain', next))));
    next();
  });
  expect(r.status).toBe(413);
  expect(fx.fake.received.length).toBe(before);
});
