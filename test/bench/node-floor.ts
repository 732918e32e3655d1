// Reference rows for the data-plane bench: the least a Node proxy does —
// terminate TLS, buffer the body, swap Authorization, forward through an undici
// keep-alive pool (TLS verified), return the answer. No parsing, no policy, no
// audit. keybrake's figure over these is keybrake's own cost, whatever the machine.
// Modes (how the forwarder talks to undici; all of them undici's own, maintained
// APIs — response framing is never parsed by hand):
//   request:  Pool.request + body.arrayBuffer() (the bare floor)
//   stream:   Pool.stream, the response body piped into the ServerResponse
//   dispatch: Pool.dispatch with a handler, chunks written as they arrive
// Run as a process: node node-floor.ts MODE PORT UPSTREAM_PORT UPSTREAM_CA CERT KEY HOST AUTHORIZATION
import fs from 'node:fs';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Pool, type Dispatcher } from 'undici';
import { freePort } from '../helpers/daemon.ts';
import { CORES, spawnPinned, stopChild, tempDir, waitForPort } from './procs.ts';
import { writeServerTls } from './tls-files.ts';

export type FloorMode = 'request' | 'stream' | 'dispatch';
export const FLOOR_MODES: readonly FloorMode[] = ['request', 'stream', 'dispatch'];

export interface NodeFloor {
  port: number;
  pid: number;
  close(): Promise<void>;
}

export async function startNodeFloor(o: {
  host: string;
  upstream: { port: number; caFile: string };
  authorization: string;
  core?: number;
  mode?: FloorMode;
}): Promise<NodeFloor> {
  const dir = tempDir('keybrake-bench-floor-');
  const tls = writeServerTls(dir, o.host, 'bench floor CA');
  const port = await freePort();
  const args = [
    import.meta.filename,
    o.mode ?? 'request',
    String(port),
    String(o.upstream.port),
    o.upstream.caFile,
    tls.certFile,
    tls.keyFile,
    o.host,
    o.authorization,
  ];
  const child = spawnPinned(o.core ?? CORES.server, process.execPath, args, { stdio: 'ignore' });
  await waitForPort(port, child, 'node floor forwarder');
  return {
    port,
    pid: child.pid ?? 0,
    close: async () => {
      await stopChild(child);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

type Forward = (req: IncomingMessage, res: ServerResponse, headers: Record<string, string>, body: Buffer) => void;

function forwarders(pool: Pool): Record<FloorMode, Forward> {
  const fail = (res: ServerResponse) => {
    if (!res.headersSent) res.writeHead(502).end();
    else res.destroy();
  };
  return {
    request: (req, res, headers, body) => {
      pool
        .request({ method: 'POST', path: req.url ?? '/', headers, body })
        .then(async (up) => {
          const data = Buffer.from(await up.body.arrayBuffer());
          res.writeHead(up.statusCode, { 'content-type': String(up.headers['content-type'] ?? 'application/json') }).end(data);
        })
        .catch(() => fail(res));
    },
    stream: (req, res, headers, body) => {
      pool
        .stream({ method: 'POST', path: req.url ?? '/', headers, body }, ({ statusCode, headers: h }) => {
          res.writeHead(statusCode, { 'content-type': String(h['content-type'] ?? 'application/json') });
          return res;
        })
        .catch(() => fail(res));
    },
    dispatch: (req, res, headers, body) => {
      let pending: Buffer | undefined;
      const handler: Dispatcher.DispatchHandler = {
        onRequestStart: () => {}, // undici requires every handler to have one
        onResponseStart: (_c, statusCode, h) => void res.writeHead(statusCode, { 'content-type': String(h['content-type'] ?? 'application/json') }),
        onResponseData: (_c, chunk) => {
          if (pending) res.write(pending);
          pending = chunk;
        },
        onResponseEnd: () => void res.end(pending),
        onResponseError: () => fail(res),
      };
      pool.dispatch({ method: 'POST', path: req.url ?? '/', headers, body }, handler);
    },
  };
}

function serve(args: string[]): void {
  if (args.length !== 8)
    throw new Error(`node-floor: expected MODE PORT UPSTREAM_PORT CA_FILE CERT_FILE KEY_FILE HOST AUTHORIZATION, got ${args.length} arguments`);
  const [mode, port, upstreamPort, caFile, certFile, keyFile, host, authorization] = args as [string, string, string, string, string, string, string, string];
  const pool = new Pool(`https://127.0.0.1:${upstreamPort}`, { connections: 128, connect: { servername: host, ca: fs.readFileSync(caFile, 'utf8') } });
  const forward = forwarders(pool)[mode as FloorMode];
  if (!forward) throw new Error(`unknown mode ${mode}`);
  const server = https.createServer({ cert: fs.readFileSync(certFile), key: fs.readFileSync(keyFile) }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', () => res.destroy());
    req.on('end', () => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') headers[name] = value;
      delete headers.connection; // hop-by-hop; undici refuses it
      delete headers['content-length']; // undici frames the buffered body
      headers.host = host;
      headers.authorization = authorization;
      forward(req, res, headers, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    });
  });
  server.listen(Number(port), '127.0.0.1');
  process.once('SIGTERM', () => process.exit(0));
}

if (import.meta.main) serve(process.argv.slice(2));
