// spec.passthrough: hosts tunnelled untouched (no TLS termination) after the
// SSRF check; private targets only when the policy allows them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { generateCa, loadCa } from '../../src/pki/ca.ts';
import { LeafMinter } from '../../src/pki/certs.ts';
import { useStripeProxy } from '../helpers/stripe-fixture.ts';
import { waitFor } from '../helpers/wait.ts';
import { stripePolicy } from './policies.ts';

// An "other API" on loopback with its own CA: if the proxy terminated TLS the
// client would see the mesh CA instead and fail verification against this one.
const otherCa = generateCa({ commonName: 'other api CA' });
let other: https.Server;
let otherPort = 0;

beforeAll(async () => {
  const minter = new LeafMinter(loadCa(otherCa.certPem, otherCa.keyPem));
  other = https.createServer({ SNICallback: minter.sniCallback }, (_req, res) => res.end('{"from":"other"}'));
  await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
  otherPort = (other.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => other.close(() => r())));

function connectVia(proxyPort: number, host: string, port: number): Promise<{ status: string; socket: net.Socket }> {
  return new Promise((resolve, reject) => {
    const s = net.connect(proxyPort, '127.0.0.1', () => s.write(`CONNECT ${host}:${port} HTTP/1.1\r\nHost: ${host}:${port}\r\n\r\n`));
    let head = '';
    const onData = (d: Buffer) => {
      head += d.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      s.removeListener('data', onData);
      resolve({ status: head.slice(0, head.indexOf('\r\n')), socket: s });
    };
    s.on('data', onData);
    s.on('error', reject);
  });
}

/** TLS inside the tunnel, verified against the other API's own CA, then one GET. */
function getThrough(socket: net.Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    const t = tls.connect({ socket, servername: 'localhost', ca: otherCa.certPem }, () => {
      t.write('GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
    });
    let text = '';
    t.on('data', (d) => (text += d));
    t.on('end', () => resolve(text.slice(text.indexOf('\r\n\r\n') + 4)));
    t.on('error', reject);
  });
}

describe('passthrough to a private address, refused by default', () => {
  const fx = useStripeProxy((sha) => stripePolicy(sha, '', ['  passthrough: [localhost]']));

  it('refuses CONNECT to a passthrough host that resolves to loopback', async () => {
    const { status, socket } = await connectVia(fx.h.port, 'localhost', otherPort);
    socket.destroy();
    expect(status).toMatch(/^HTTP\/1\.1 403/);
  });

  it('refuses CONNECT to a host that is not listed at all', async () => {
    const { status, socket } = await connectVia(fx.h.port, 'api.example.com', 443);
    socket.destroy();
    expect(status).toMatch(/^HTTP\/1\.1 403/);
    await waitFor(() => fx.h.auditLines().some((l) => l.host === 'api.example.com' && l.decision === 'denied'), { what: 'the denied passthrough audit line' });
  });
});

describe('passthrough allowed to private addresses', () => {
  const fx = useStripeProxy((sha) => stripePolicy(sha, '', ['  passthrough: [localhost]', '  allowPrivatePassthrough: true']));

  it('tunnels TLS untouched: the client sees the other API’s own certificate', async () => {
    const { status, socket } = await connectVia(fx.h.port, 'localhost', otherPort);
    expect(status).toMatch(/^HTTP\/1\.1 200/);
    expect(await getThrough(socket)).toBe('{"from":"other"}');
  });

  it('a kill cuts open tunnels and refuses new ones', async () => {
    const open = await connectVia(fx.h.port, 'localhost', otherPort);
    expect(open.status).toMatch(/^HTTP\/1\.1 200/);
    const closed = new Promise<void>((resolve) => open.socket.once('close', () => resolve()));
    expect((await fx.h.admin('/kill', { method: 'POST', body: '{"reason":"tunnel test"}' })).status).toBe(200);
    await closed;
    const { status, socket } = await connectVia(fx.h.port, 'localhost', otherPort);
    socket.destroy();
    expect(status).toMatch(/^HTTP\/1\.1 403/);
  });
});
