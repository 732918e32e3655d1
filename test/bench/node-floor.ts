// A reference row for the data-plane bench: the least a Node proxy does —
// terminate TLS, buffer the body, swap Authorization, forward through an undici
// keep-alive pool (TLS verified), buffer and return the answer. No parsing, no
// policy, no audit. keybrake's figure over this one is keybrake's own cost,
// whatever the machine (measured earlier at 41–54 µs/request).
// Run as a process: node node-floor.ts PORT UPSTREAM_PORT UPSTREAM_CA CERT KEY HOST AUTHORIZATION
import fs from 'node:fs';
import https from 'node:https';
import { Pool } from 'undici';
import { freePort } from '../helpers/daemon.ts';
import { CORES, spawnPinned, stopChild, tempDir, waitForPort } from './procs.ts';
import { writeServerTls } from './tls-files.ts';

export interface NodeFloor {
  port: number;
  pid: number;
  close(): Promise<void>;
}

export async function startNodeFloor(o: { host: string; upstream: { port: number; caFile: string }; authorization: string; core?: number }): Promise<NodeFloor> {
  const dir = tempDir('keybrake-bench-floor-');
  const tls = writeServerTls(dir, o.host, 'bench floor CA');
  const port = await freePort();
  const args = [import.meta.filename, String(port), String(o.upstream.port), o.upstream.caFile, tls.certFile, tls.keyFile, o.host, o.authorization];
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

function serve([port, upstreamPort, caFile, certFile, keyFile, host, authorization]: string[]): void {
  const pool = new Pool(`https://127.0.0.1:${upstreamPort}`, { connections: 128, connect: { servername: host, ca: fs.readFileSync(caFile, 'utf8') } });
  const server = https.createServer({ cert: fs.readFileSync(certFile), key: fs.readFileSync(keyFile) }, async (req, res) => {
    try {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') headers[name] = value;
      delete headers.connection; // hop-by-hop; undici refuses it
      delete headers['content-length']; // undici frames the buffered body
      Object.assign(headers, { host, authorization });
      const up = await pool.request({ method: 'POST', path: req.url ?? '/', headers, body: Buffer.concat(chunks) });
      const body = Buffer.from(await up.body.arrayBuffer());
      res.writeHead(up.statusCode, { 'content-type': String(up.headers['content-type'] ?? 'application/json') }).end(body);
    } catch {
      res.writeHead(502).end();
    }
  });
  server.listen(Number(port), '127.0.0.1');
  process.once('SIGTERM', () => process.exit(0));
}

if (import.meta.main) serve(process.argv.slice(2));
