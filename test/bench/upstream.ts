// The static loopback HTTPS upstream every run forwards to: it answers each
// request with the same charge JSON. nginx with one worker, pinned to the load
// core, is the choice: a C server with no GC pauses gives a ceiling that does
// not wobble (~19 µs CPU per request), well above what a proxy
// reaches. Without nginx, a Node HTTPS server in this process stands in.
import fs from 'node:fs';
import https from 'node:https';
import type net from 'node:net';
import { CORES, tempDir } from './procs.ts';
import { nginxInstalled, startNginx, staticJsonServer } from './nginx.ts';
import { CHARGE_RESPONSE, STRIPE_HOST } from './stripe-load.ts';
import { writeServerTls, type ServerTls } from './tls-files.ts';

/** Same shape as test/helpers/proxy-harness.ts `Upstream`, so it can be passed there too. */
export interface BenchUpstream {
  host: string;
  /** https://127.0.0.1:PORT */
  url: string;
  port: number;
  /** CA that signed the upstream's certificate (give it to --upstream-ca). */
  caPem: string;
  caFile: string;
  kind: 'nginx' | 'node';
  /** nginx master pid; undefined for the in-process Node fallback. */
  pid?: number;
  close(): Promise<void>;
}

export async function startUpstream(o: { host?: string; body?: string; core?: number } = {}): Promise<BenchUpstream> {
  const host = o.host ?? STRIPE_HOST;
  const body = o.body ?? CHARGE_RESPONSE;
  const dir = tempDir('keybrake-bench-upstream-');
  const tls = writeServerTls(dir, host, 'bench upstream CA');
  const server = nginxInstalled()
    ? { kind: 'nginx' as const, ...(await startNginx(dir, o.core ?? CORES.load, (port) => staticJsonServer(port, tls, body))) }
    : { kind: 'node' as const, pid: undefined, ...(await startNodeJson(tls, body)) };
  return {
    host,
    url: `https://127.0.0.1:${server.port}`,
    port: server.port,
    caPem: tls.caPem,
    caFile: tls.caFile,
    kind: server.kind,
    pid: server.pid,
    close: async () => {
      await server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function startNodeJson(tls: ServerTls, body: string): Promise<{ port: number; close(): Promise<void> }> {
  const server = https.createServer({ cert: fs.readFileSync(tls.certFile), key: fs.readFileSync(tls.keyFile), keepAliveTimeout: 120_000 }, (req, res) => {
    req.resume();
    req.once('end', () => res.writeHead(200, { 'content-type': 'application/json', 'request-id': 'req_bench' }).end(body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}
