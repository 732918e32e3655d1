import net from 'node:net';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCa, loadCa } from '../../src/pki/ca.ts';
import type { Ca } from '../../src/pki/ca.ts';
import { LeafMinter, createLeafKey, issueLeaf } from '../../src/pki/certs.ts';

const DAY_MS = 86_400_000;

let caPem: string;
let ca: Ca;

beforeAll(() => {
  const generated = generateCa({ permittedDnsNames: ['api.stripe.com', 'api.twilio.com', 'example.test'] });
  caPem = generated.certPem;
  ca = loadCa(generated.certPem, generated.keyPem);
});

const servers: net.Server[] = [];
afterAll(() => {
  for (const server of servers) server.close();
});

/** A real TLS server whose certificates come only from the minter's SNICallback. */
async function tlsServer(minter: LeafMinter): Promise<number> {
  const server = tls.createServer({ SNICallback: minter.sniCallback }, (socket) => socket.end('ok'));
  return listen(server);
}

/** A raw TCP server that wraps each accepted socket the way the proxy's listener does. */
async function wrappingServer(minter: LeafMinter): Promise<number> {
  const server = net.createServer((raw) => {
    const socket = new tls.TLSSocket(raw, { isServer: true, SNICallback: minter.sniCallback, ALPNProtocols: ['http/1.1'] });
    socket.on('secure', () => socket.end(`alpn=${socket.alpnProtocol}`));
    socket.on('error', () => raw.destroy());
  });
  return listen(server);
}

async function listen(server: net.Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

interface Handshake {
  authorized: boolean;
  cert: tls.PeerCertificate;
  alpn: string | false;
  body: string;
}

function handshake(port: number, servername: string, options: tls.ConnectionOptions = {}): Promise<Handshake> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername, ca: [caPem], ...options }, () => {
      let body = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk) => (body += chunk));
      socket.on('end', () => resolve({ authorized: socket.authorized, cert: socket.getPeerCertificate(), alpn: socket.alpnProtocol ?? false, body }));
    });
    socket.on('error', reject);
  });
}

describe('LeafMinter over real TLS', () => {
  it('serves a leaf for the SNI name that a client trusting only the CA verifies', async () => {
    const port = await tlsServer(new LeafMinter(ca));
    const result = await handshake(port, 'api.stripe.com');
    expect(result.authorized).toBe(true);
    expect(result.cert.subjectaltname).toBe('DNS:api.stripe.com');
    expect(result.body).toBe('ok');
  });

  it('mints once for 20 concurrent first handshakes to the same host', async () => {
    const minter = new LeafMinter(ca);
    const port = await tlsServer(minter);
    const results = await Promise.all(Array.from({ length: 20 }, () => handshake(port, 'api.stripe.com')));
    expect(results.every((r) => r.authorized)).toBe(true);
    expect(new Set(results.map((r) => r.cert.serialNumber)).size).toBe(1);
    expect(minter.mintCount).toBe(1);
  });

  it('uses one leaf key for every host, with a certificate per host', async () => {
    const port = await tlsServer(new LeafMinter(ca));
    const stripe = await handshake(port, 'api.stripe.com');
    const twilio = await handshake(port, 'api.twilio.com');
    expect(twilio.cert.subjectaltname).toBe('DNS:api.twilio.com');
    expect(twilio.cert.pubkey?.equals(stripe.cert.pubkey!)).toBe(true);
    expect(twilio.cert.serialNumber).not.toBe(stripe.cert.serialNumber);
  });

  it('works inside a TLSSocket wrapping an accepted raw socket, negotiating HTTP/1.1 only', async () => {
    const port = await wrappingServer(new LeafMinter(ca));
    const result = await handshake(port, 'api.stripe.com', { ALPNProtocols: ['h2', 'http/1.1'] });
    expect(result.authorized).toBe(true);
    expect(result.cert.subjectaltname).toBe('DNS:api.stripe.com');
    expect(result.alpn).toBe('http/1.1');
    expect(result.body).toBe('alpn=http/1.1');
  });

  it('fails the handshake for an SNI name it must not mint for', async () => {
    const minter = new LeafMinter(ca);
    const port = await wrappingServer(minter);
    await expect(handshake(port, 'evil.example.com')).rejects.toThrow(); // outside the name constraints
    expect(minter.mintCount).toBe(0);
  });
});

describe('LeafMinter policy', () => {
  it('refuses names that are not DNS host names: IPs, wildcards, junk', async () => {
    const minter = new LeafMinter(ca);
    for (const name of ['127.0.0.1', '::1', '10.1', '0x7f', '*.example.test', 'a_b.example.test', 'example.test\0', '', '.']) {
      await expect(minter.contextFor(name)).rejects.toThrow(/not a DNS host name/);
    }
    expect(minter.mintCount).toBe(0);
  });

  it('refuses hosts outside the CA name constraints before signing anything', async () => {
    const minter = new LeafMinter(ca);
    await expect(minter.contextFor('api.stripe.com.evil.test')).rejects.toThrow(/name constraints/);
    await expect(minter.contextFor('sub.example.test')).resolves.toBeDefined();
  });

  it('treats case and a trailing dot as the same host', async () => {
    const minter = new LeafMinter(ca);
    minter.premint(['api.stripe.com']);
    const first = await minter.contextFor('API.Stripe.com.');
    expect(await minter.contextFor('api.stripe.com')).toBe(first);
    expect(minter.mintCount).toBe(1);
  });

  it('reports expiry and re-mints a leaf once two thirds of its lifetime have passed', async () => {
    let now = Date.now();
    const minter = new LeafMinter(ca, { validDays: 3, clock: () => now });
    minter.premint(['api.stripe.com']);
    const { caNotAfter, leaves } = minter.expiry();
    expect(caNotAfter).toEqual(ca.notAfter);
    expect(leaves).toHaveLength(1);
    expect(leaves[0]!.host).toBe('api.stripe.com');
    expect(Math.abs(leaves[0]!.notAfter.getTime() - (now + 3 * DAY_MS))).toBeLessThan(1000);

    now += 1.9 * DAY_MS;
    await minter.contextFor('api.stripe.com');
    expect(minter.mintCount).toBe(1);

    now += 0.2 * DAY_MS;
    await minter.contextFor('api.stripe.com');
    expect(minter.mintCount).toBe(2);
    expect(minter.expiry().leaves[0]!.notAfter.getTime()).toBeGreaterThan(leaves[0]!.notAfter.getTime());
  });

  it('renews idle leaves that are due when asked, and only those', () => {
    let now = Date.now();
    const minter = new LeafMinter(ca, { validDays: 3, clock: () => now });
    minter.premint(['api.stripe.com']);
    now += DAY_MS;
    minter.premint(['api.twilio.com']);
    now += 1.5 * DAY_MS; // stripe's leaf is 2.5 days old (due), twilio's 1.5 (not yet)
    expect(minter.renewDue()).toBe(1);
    expect(minter.mintCount).toBe(3);
    const stripe = minter.expiry().leaves.find((l) => l.host === 'api.stripe.com');
    expect(Math.abs(stripe!.notAfter.getTime() - (now + 3 * DAY_MS))).toBeLessThan(1000);
  });

  it('never issues a leaf that outlives the CA, and refuses once the CA has expired', async () => {
    let now = ca.notAfter.getTime() - DAY_MS;
    const minter = new LeafMinter(ca, { clock: () => now });
    minter.premint(['api.stripe.com']);
    expect(minter.expiry().leaves[0]!.notAfter.getTime()).toBeLessThanOrEqual(ca.notAfter.getTime());
    now = ca.notAfter.getTime() + 1;
    await expect(minter.contextFor('api.twilio.com')).rejects.toThrow(/expired/);
  });

  it('keeps at most maxHosts leaves, dropping the oldest', () => {
    const minter = new LeafMinter(ca, { maxHosts: 2 });
    minter.premint(['a.example.test', 'b.example.test', 'c.example.test']);
    expect(minter.expiry().leaves.map((l) => l.host)).toEqual(['b.example.test', 'c.example.test']);
  });

  it('prints the median mint time over 200 hosts', () => {
    const median = (run: (i: number) => void) => {
      const times: number[] = [];
      for (let i = 0; i < 200; i++) {
        const start = performance.now();
        run(i);
        times.push(performance.now() - start);
      }
      return times.sort((a, b) => a - b)[100]!.toFixed(3);
    };
    const key = createLeafKey();
    const validity = { notBefore: new Date(), notAfter: new Date(Date.now() + DAY_MS) };
    const certificate = median((i) => issueLeaf(ca, key, `h${i}.example.test`, validity));
    const minter = new LeafMinter(ca);
    const withContext = median((i) => minter.premint([`h${i}.example.test`]));
    console.log(`leaf mint median over 200: certificate ${certificate} ms, certificate + SecureContext ${withContext} ms`);
    expect(minter.mintCount).toBe(200);
  });
});
