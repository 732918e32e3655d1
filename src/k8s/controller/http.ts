// The controller's HTTP listener (:17080): /healthz, /readyz (caches synced),
// /metrics, and POST /alertmanager.
import http from 'node:http';

export interface ControllerHttpHandlers {
  ready(): { ready: boolean; reason?: string };
  metrics(): Promise<{ contentType: string; body: string }>;
  alertmanager(authorization: string | undefined, body: Buffer): Promise<{ status: number; body: unknown }>;
}

const MAX_BODY = 256 * 1024;

function json(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
}

export function createControllerServer(h: ControllerHttpHandlers): http.Server {
  return http.createServer(async (req, res) => {
    const route = `${req.method} ${(req.url ?? '/').split('?')[0]}`;
    try {
      switch (route) {
        case 'GET /healthz':
          return json(res, 200, { ok: true });
        case 'GET /readyz': {
          const r = h.ready();
          return json(res, r.ready ? 200 : 503, r);
        }
        case 'GET /metrics': {
          const m = await h.metrics();
          return void res.writeHead(200, { 'content-type': m.contentType }).end(m.body);
        }
        case 'POST /alertmanager': {
          const chunks: Buffer[] = [];
          let size = 0;
          for await (const c of req as AsyncIterable<Buffer>) {
            size += c.length;
            if (size > MAX_BODY) return json(res, 413, { error: 'payload too large' });
            chunks.push(c);
          }
          const r = await h.alertmanager(req.headers.authorization, Buffer.concat(chunks));
          return json(res, r.status, r.body);
        }
        default:
          return json(res, 404, { error: `no route ${route}` });
      }
    } catch (err) {
      return json(res, 500, { error: (err as Error).message });
    }
  });
}
