// The admin listener (:17020): health, readiness, status, the kill switch,
// metrics and the Alertmanager receiver. Killing is cheap (any caller that can
// reach the port); reviving is deliberate (admin token, or the policy).
import http from 'node:http';
import type net from 'node:net';
import { bearerMatches } from './bearer.ts';

export interface AdminHandlers {
  /** Hard dependencies right now; `problems` names each failing one. */
  ready(): { ready: boolean; problems: Array<{ check: string; message: string }> };
  status(): Promise<unknown>;
  kill(reason: string, source: 'api' | 'alertmanager', policy?: { name: string; generation: number }): unknown;
  revive(): { ok: boolean; message: string } | Promise<{ ok: boolean; message: string }>;
  adminToken(): string | undefined;
  metrics(): Promise<{ contentType: string; body: string }>;
  alertmanager(authorization: string | undefined, body: Buffer): Promise<{ status: number; body: string }>;
  /** Only with --shutdown-token-out: lets a Job's agent stop a container-mode sidecar. */
  shutdown?: { token: string; run(): void };
}

const MAX_ADMIN_BODY = 256 * 1024;

async function readBody(req: http.IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_ADMIN_BODY) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body, null, 2);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
}

export function createAdminServer(h: AdminHandlers): http.Server {
  return http.createServer(async (req, res) => {
    const url = (req.url ?? '/').split('?')[0];
    const route = `${req.method} ${url}`;
    try {
      switch (route) {
        case 'GET /healthz':
          return json(res, 200, { ok: true });
        case 'GET /readyz': {
          const r = h.ready();
          return json(res, r.ready ? 200 : 503, r);
        }
        case 'GET /status':
          return json(res, 200, await h.status());
        case 'GET /metrics': {
          const m = await h.metrics();
          return void res.writeHead(200, { 'content-type': m.contentType }).end(m.body);
        }
        case 'POST /kill': {
          // No credential: in a cluster the kill arrives through the API server's pods/proxy,
          // which connects from its own address and drops the caller's Authorization header,
          // so RBAC on pods/proxy is the permission. A kill only ever fails closed, and only
          // the admin token or the policy revives.
          const body = await readBody(req);
          let reason = 'killed via admin API';
          let policy: { name: string; generation: number } | undefined;
          try {
            const parsed = body && body.length ? JSON.parse(body.toString('utf8')) : {};
            if (typeof parsed?.reason === 'string' && parsed.reason.trim()) reason = parsed.reason.trim().slice(0, 500);
            // The control plane's fan-out of `spec.killed`: revived by the policy, not the admin token.
            if (typeof parsed?.policy === 'string' && Number.isInteger(parsed?.generation)) policy = { name: parsed.policy, generation: parsed.generation };
          } catch {
            // A kill must never fail on a bad body: kill with the default reason.
          }
          return json(res, 200, await h.kill(reason, 'api', policy));
        }
        case 'POST /revive': {
          if (!bearerMatches(req.headers.authorization, h.adminToken())) return json(res, 401, { error: 'revive needs Authorization: Bearer <admin token>' });
          const r = await h.revive();
          return json(res, r.ok ? 200 : 409, r);
        }
        case 'POST /shutdown': {
          if (!h.shutdown) return json(res, 404, { error: 'shutdown is off: the proxy was started without --shutdown-token-out' });
          if (!bearerMatches(req.headers.authorization, h.shutdown.token) && !bearerMatches(req.headers.authorization, h.adminToken())) {
            return json(res, 401, { error: 'shutdown needs Authorization: Bearer <the token in the --shutdown-token-out file, or the admin token>' });
          }
          json(res, 200, { ok: true, message: 'shutting down' });
          return void setImmediate(h.shutdown.run);
        }
        case 'POST /alertmanager': {
          const body = await readBody(req);
          if (!body) return json(res, 413, { error: 'payload too large' });
          const r = await h.alertmanager(req.headers.authorization, body);
          return void res.writeHead(r.status, { 'content-type': 'application/json' }).end(r.body);
        }
        default:
          return json(res, 404, { error: `no route ${route}` });
      }
    } catch (err) {
      return json(res, 500, { error: (err as Error).message });
    }
  });
}

export function listen(server: http.Server, host: string, port: number): Promise<net.AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server.address() as net.AddressInfo));
  });
}
