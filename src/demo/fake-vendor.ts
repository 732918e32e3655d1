// A loopback HTTPS server (demo and tests) standing in for a vendor API (api.stripe.com …): it
// counts and records what arrives, answers with a configurable handler and
// can hold responses (for kill tests). Its certificate comes from its own CA,
// which the proxy trusts through --upstream-ca.
import https from 'node:https';
import type http from 'node:http';
import type net from 'node:net';
import { generateCa, loadCa } from '../pki/ca.ts';
import { LeafMinter } from '../pki/certs.ts';

export interface Received {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export type Handler = (req: Received) => { status?: number; body: unknown; headers?: Record<string, string> };

export interface FakeVendor {
  url: string;
  port: number;
  caPem: string;
  received: Received[];
  /** While set, responses (to requests matching `which`, default all) wait until release() is called. */
  hold(which?: (req: Received) => boolean): void;
  release(): void;
  /** Resolves when `n` requests have arrived. */
  waitFor(n: number, timeoutMs?: number): Promise<void>;
  setHandler(h: Handler): void;
  close(): Promise<void>;
}

export async function startFakeVendor(handler: Handler): Promise<FakeVendor> {
  const ca = generateCa({ commonName: 'fake vendor CA' });
  const minter = new LeafMinter(loadCa(ca.certPem, ca.keyPem));
  const received: Received[] = [];
  let current = handler;
  let held: Array<() => void> | undefined;
  let holds: (req: Received) => boolean = () => true;
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  const sockets = new Set<net.Socket>();
  const server = https.createServer({ SNICallback: minter.sniCallback }, async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const r: Received = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
    received.push(r);
    for (const w of waiters.filter((w) => received.length >= w.n)) w.resolve();
    if (held && holds(r)) await new Promise<void>((resolve) => held?.push(resolve));
    const out = current(r);
    const text = JSON.stringify(out.body);
    res.writeHead(out.status ?? 200, { 'content-type': 'application/json', 'request-id': `req_fake_${received.length}`, ...out.headers });
    res.end(text);
  });
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `https://127.0.0.1:${port}`,
    port,
    caPem: ca.certPem,
    received,
    hold: (which = () => true) => {
      held = [];
      holds = which;
    },
    release: () => {
      const list = held ?? [];
      held = undefined;
      for (const r of list) r();
    },
    waitFor: (n, timeoutMs = 10_000) =>
      received.length >= n
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => {
            const t = setTimeout(() => reject(new Error(`fake vendor saw ${received.length} of ${n} requests`)), timeoutMs);
            waiters.push({ n, resolve: () => (clearTimeout(t), resolve()) });
          }),
    setHandler: (h) => {
      current = h;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
