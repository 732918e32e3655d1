// A raw TLS client for hostile-input tests: straight to the proxy's listener
// with SNI (transparent mode), so a test can send exactly the bytes it means —
// a body shorter than its Content-Length, a bad chunk size, half a header —
// and watch what comes back and when the proxy closes the connection.
import { once } from 'node:events';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';

export interface RawConnection {
  socket: tls.TLSSocket;
  /** Everything the proxy sent so far, as latin1 text. */
  received(): string;
  /** Resolves when the proxy (or the client) closed the connection. */
  closed: Promise<void>;
  /** Resolves once the received text contains `text`. */
  waitFor(text: string | RegExp): Promise<string>;
}

export async function rawTls(port: number, caPem: string, servername = 'api.stripe.com'): Promise<RawConnection> {
  const socket = tls.connect({ host: '127.0.0.1', port, servername, ca: caPem, ALPNProtocols: ['http/1.1'] });
  socket.on('error', () => {});
  let text = '';
  const waiters: Array<() => void> = [];
  socket.on('data', (d: Buffer) => {
    text += d.toString('latin1');
    for (const w of waiters.splice(0)) w();
  });
  // Not events.once: it rejects on 'error', and a reset is an expected way for these connections to end.
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    socket.once('secureConnect', () => resolve());
    void closed.then(() => reject(new Error('the proxy closed the connection before the TLS handshake finished')));
  });
  return {
    socket,
    received: () => text,
    closed,
    waitFor: async (want) => {
      const hit = () => (typeof want === 'string' ? text.includes(want) : want.test(text));
      while (!hit()) {
        const more = new Promise<void>((resolve) => waiters.push(resolve));
        await Promise.race([more, closed]);
        if (!hit() && socket.destroyed) throw new Error(`connection closed without ${String(want)}; got: ${text.slice(0, 500)}`);
      }
      return text;
    },
  };
}

/** A plain TCP connection to the listener (for handshake-deadline tests: connect and send nothing). */
export async function rawTcp(port: number): Promise<{ socket: net.Socket; closed: Promise<void> }> {
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await once(socket, 'connect');
  return { socket, closed };
}

/** One HTTPS request through the proxy in transparent mode on a fresh connection (no keep-alive left behind). */
export function viaProxy(
  port: number,
  caPem: string,
  req: { method?: string; path: string; headers?: Record<string, string>; body?: string | Buffer; host?: string },
): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const host = req.host ?? 'api.stripe.com';
    const r = https.request(
      { host: '127.0.0.1', port, servername: host, ca: caPem, agent: false, method: req.method ?? 'GET', path: req.path, headers: { host, ...req.headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
        res.on('error', reject);
      },
    );
    r.on('error', reject);
    r.end(req.body);
  });
}
