import net from 'node:net';
import tls from 'node:tls';
import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseClientHello } from '../../src/proxy/sni.ts';

/** The first TLS record a real Node client sends, captured by a raw TCP server. */
async function captureClientHello(options: tls.ConnectionOptions): Promise<Buffer> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  const captured = new Promise<Buffer>((resolve) => {
    server.once('connection', (socket) => {
      let buf = Buffer.alloc(0);
      socket.on('data', (chunk: Buffer) => {
        buf = Buffer.concat([buf, chunk]);
        if (buf.length >= 5 && buf.length >= 5 + buf.readUInt16BE(3)) {
          resolve(buf.subarray(0, 5 + buf.readUInt16BE(3)));
          socket.destroy();
        }
      });
    });
  });
  const client = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...options });
  client.on('error', () => {}); // the capture server hangs up mid-handshake
  try {
    return await captured;
  } finally {
    client.destroy();
    server.close();
  }
}

/** Re-frames the handshake bytes of a single-record hello into records of the given sizes. */
function refragment(record: Buffer, sizes: number[]): Buffer {
  let handshake = record.subarray(5);
  const records: Buffer[] = [];
  for (let i = 0; handshake.length > 0; i++) {
    const size = Math.min(sizes[i % sizes.length]!, handshake.length);
    const header = Buffer.from([0x16, 0x03, 0x01, 0, 0]);
    header.writeUInt16BE(size, 3);
    records.push(header, handshake.subarray(0, size));
    handshake = handshake.subarray(size);
  }
  return Buffer.concat(records);
}

/** A minimal well-formed ClientHello record carrying the given extensions. */
function craftHello(extensions: Buffer[]): Buffer {
  const exts = Buffer.concat(extensions);
  const body = Buffer.concat([
    Buffer.from([0x03, 0x03]),
    crypto.randomBytes(32),
    Buffer.from([0]), // version, random, empty session id
    Buffer.from([0, 2, 0x13, 0x01, 1, 0]), // one cipher suite, null compression
    u16(exts.length),
    exts,
  ]);
  const handshake = Buffer.concat([Buffer.from([1, 0, 0, 0]), body]);
  handshake.writeUIntBE(body.length, 1, 3);
  return Buffer.concat([Buffer.from([0x16, 0x03, 0x01]), u16(handshake.length), handshake]);
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

function extension(type: number, data: Buffer): Buffer {
  return Buffer.concat([u16(type), u16(data.length), data]);
}

function sniExtension(...names: string[]): Buffer {
  const list = Buffer.concat(names.map((n) => Buffer.concat([Buffer.from([0]), u16(n.length), Buffer.from(n, 'latin1')])));
  return extension(0, Buffer.concat([u16(list.length), list]));
}

function alpnExtension(...protocols: string[]): Buffer {
  const list = Buffer.concat(protocols.map((p) => Buffer.concat([Buffer.from([p.length]), Buffer.from(p)])));
  return extension(16, Buffer.concat([u16(list.length), list]));
}

describe('parseClientHello on real client hellos', () => {
  it('extracts SNI and ALPN from a Node TLS 1.3 client', async () => {
    const hello = await captureClientHello({ servername: 'api.stripe.com', ALPNProtocols: ['h2', 'http/1.1'] });
    expect(parseClientHello(hello)).toEqual({ kind: 'hello', serverName: 'api.stripe.com', alpn: ['h2', 'http/1.1'] });
  });

  it('reports no server name when the client sends no SNI', async () => {
    const hello = await captureClientHello({}); // Node sends no SNI for an IP address
    expect(parseClientHello(hello)).toEqual({ kind: 'hello' });
  });

  it('parses a TLS 1.2-only client hello', async () => {
    const hello = await captureClientHello({ servername: 'api.twilio.com', maxVersion: 'TLSv1.2' });
    expect(parseClientHello(hello)).toMatchObject({ kind: 'hello', serverName: 'api.twilio.com' });
  });

  it('asks for more bytes until the hello is complete when it arrives one byte at a time', async () => {
    const hello = await captureClientHello({ servername: 'api.stripe.com', ALPNProtocols: ['http/1.1'] });
    let buf = Buffer.alloc(0);
    for (let i = 0; i < hello.length - 1; i++) {
      buf = Buffer.concat([buf, hello.subarray(i, i + 1)]);
      expect(parseClientHello(buf).kind).toBe('need-more');
    }
    buf = Buffer.concat([buf, hello.subarray(hello.length - 1)]);
    expect(parseClientHello(buf)).toEqual({ kind: 'hello', serverName: 'api.stripe.com', alpn: ['http/1.1'] });
  });

  it('reassembles a hello spanning several TLS records, even with the handshake header split', async () => {
    const hello = await captureClientHello({ servername: 'api.stripe.com', ALPNProtocols: ['http/1.1'] });
    const expected = { kind: 'hello', serverName: 'api.stripe.com', alpn: ['http/1.1'] };
    for (const sizes of [[100], [1, 2, 300], [hello.length - 6, 1]]) {
      const fragmented = refragment(hello, sizes);
      expect(parseClientHello(fragmented)).toEqual(expected);
      for (const cut of [1, 5, 6, 8, fragmented.length - 1]) {
        expect(parseClientHello(fragmented.subarray(0, cut)).kind).toBe('need-more');
      }
    }
  });

  it('never throws on any truncation or single-byte corruption of a real hello', async () => {
    const hello = await captureClientHello({ servername: 'api.stripe.com', ALPNProtocols: ['http/1.1'] });
    for (let i = 0; i < hello.length; i++) {
      expect(parseClientHello(hello.subarray(0, i)).kind).toBe('need-more');
      for (const value of [0x00, 0xff, hello[i]! ^ 0x01]) {
        const corrupt = Buffer.from(hello);
        corrupt[i] = value;
        expect(['need-more', 'not-tls', 'hello']).toContain(parseClientHello(corrupt).kind);
      }
    }
  });
});

describe('parseClientHello on hostile or non-TLS input', () => {
  it('says not-tls for plain HTTP, CONNECT and SSLv2-style hellos from the first bytes', () => {
    expect(parseClientHello(Buffer.from('GET / HTTP/1.1\r\nHost: api.stripe.com\r\n\r\n'))).toEqual({ kind: 'not-tls' });
    expect(parseClientHello(Buffer.from('CONNECT api.stripe.com:443 HTTP/1.1\r\n\r\n'))).toEqual({ kind: 'not-tls' });
    expect(parseClientHello(Buffer.from([0x80, 0x2e, 0x01, 0x03, 0x01]))).toEqual({ kind: 'not-tls' });
    expect(parseClientHello(Buffer.from([0x16, 0x02]))).toEqual({ kind: 'not-tls' });
    expect(parseClientHello(Buffer.alloc(0))).toEqual({ kind: 'need-more' });
  });

  it('never throws on random bytes that start like a TLS record', () => {
    for (let i = 0; i < 5000; i++) {
      const buf = crypto.randomBytes(1 + (i % 300));
      buf[0] = 0x16;
      if (buf.length > 1) buf[1] = 0x03;
      if (buf.length > 5) buf[5] = 0x01;
      expect(['need-more', 'not-tls', 'hello']).toContain(parseClientHello(buf).kind);
    }
  });

  it('refuses oversized and zero record and handshake lengths without waiting for the bytes', () => {
    expect(parseClientHello(Buffer.from([0x16, 0x03, 0x01, 0xff, 0xff]))).toEqual({ kind: 'not-tls' });
    expect(parseClientHello(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x00]))).toEqual({ kind: 'not-tls' });
    expect(parseClientHello(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x04, 0x01, 0xff, 0xff, 0xff]))).toEqual({ kind: 'not-tls' });
    // 16 KiB + 1 handshake body: over the cap.
    expect(parseClientHello(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x04, 0x01, 0x00, 0x40, 0x01]))).toEqual({ kind: 'not-tls' });
    // A server hello (type 2) is not what a client opens with.
    expect(parseClientHello(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x04, 0x02, 0x00, 0x00, 0x10]))).toEqual({ kind: 'not-tls' });
  });

  it('refuses a hello fragmented into more records than any client uses', () => {
    const hello = craftHello([sniExtension('api.stripe.com')]); // 70 handshake bytes
    expect(parseClientHello(refragment(hello, [2]))).toMatchObject({ kind: 'hello', serverName: 'api.stripe.com' });
    expect(parseClientHello(refragment(hello, [1]))).toEqual({ kind: 'not-tls' });
  });

  it('refuses inner lengths that overrun their container', () => {
    const hello = craftHello([sniExtension('api.stripe.com')]);
    const sniNameLength = hello.indexOf(Buffer.from('api.stripe.com')) - 2;
    const corrupt = Buffer.from(hello);
    corrupt.writeUInt16BE(0x7fff, sniNameLength);
    expect(parseClientHello(corrupt)).toEqual({ kind: 'not-tls' });
  });

  it('refuses ambiguous hellos: two SNI extensions, two host names, an empty host or ALPN name', () => {
    expect(parseClientHello(craftHello([sniExtension('api.stripe.com'), sniExtension('evil.example')]))).toEqual({ kind: 'not-tls' });
    expect(parseClientHello(craftHello([sniExtension('api.stripe.com', 'evil.example')]))).toEqual({ kind: 'not-tls' });
    expect(parseClientHello(craftHello([sniExtension('')]))).toEqual({ kind: 'not-tls' });
    expect(parseClientHello(craftHello([sniExtension('api.stripe.com\0.evil')]))).toEqual({ kind: 'not-tls' });
    expect(parseClientHello(craftHello([alpnExtension('')]))).toEqual({ kind: 'not-tls' });
  });

  it('accepts a crafted hello with both extensions and reports them as sent', () => {
    expect(parseClientHello(craftHello([sniExtension('API.Stripe.com'), alpnExtension('http/1.1')]))).toEqual({
      kind: 'hello',
      serverName: 'API.Stripe.com',
      alpn: ['http/1.1'],
    });
  });
});
