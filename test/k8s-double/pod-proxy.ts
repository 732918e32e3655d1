// pods/proxy: `/api/v1/namespaces/NS/pods/[https:]NAME[:PORT]/proxy/PATH` forwarded
// to the pod's address. Pods in the double carry status.podIP = 127.0.0.1; the real
// loopback port behind each container port is registered by the test, because every
// sidecar in a test binds port 0. The caller's Authorization header is not forwarded
// (the API server consumes its own credentials).
import http from 'node:http';
import { ApiError } from './store.ts';

export type PortMap = Map<string, number>; // "ns/name:containerPort" → loopback port

export function parsePodTarget(segment: string): { scheme: string; name: string; port?: string } {
  const [first = '', second, third] = segment.split(':');
  if (second !== undefined && third !== undefined) return { scheme: first, name: second, port: third };
  if (second !== undefined) return { scheme: 'http', name: first, port: second };
  return { scheme: 'http', name: first };
}

export function forwardToPod(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  target: { ip: string | undefined; port: number | undefined; path: string; query: string },
): void {
  if (!target.ip) throw new ApiError(503, 'ServiceUnavailable', 'pod has no IP address yet');
  if (!target.port) throw new ApiError(503, 'ServiceUnavailable', 'no endpoint for that port on the pod');
  const headers = { ...req.headers };
  delete headers.authorization;
  delete headers.host;
  const upstream = http.request({ host: target.ip, port: target.port, method: req.method, path: `/${target.path}${target.query}`, headers }, (up) => {
    res.writeHead(up.statusCode ?? 502, up.headers);
    up.pipe(res);
  });
  upstream.on('error', (err) => {
    if (res.headersSent) return void res.destroy();
    const body = JSON.stringify({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: `error trying to reach service: ${err.message}`,
      reason: 'ServiceUnavailable',
      code: 503,
    });
    res.writeHead(503, { 'content-type': 'application/json' }).end(body);
  });
  req.pipe(upstream);
}
