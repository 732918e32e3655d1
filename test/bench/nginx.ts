// nginx for the bench, one worker, in a temp prefix: as the static upstream
// (a fixed charge JSON) and as the near-limit baseline proxy (TLS termination
// and a header swap only).
import fs from 'node:fs';
import path from 'node:path';
import { freePort } from '../helpers/daemon.ts';
import { CORES, hasCommand, spawnPinned, stopChild, tempDir, waitForPort } from './procs.ts';
import { writeServerTls, type ServerTls } from './tls-files.ts';

export interface NginxServer {
  port: number;
  /** The master's pid (its worker is its child). */
  pid: number;
  dir: string;
  close(): Promise<void>;
}

export const nginxInstalled = (): boolean => hasCommand('nginx');

/** Serves `body` as application/json (plus a Stripe-like Request-Id) for every request. */
export function staticJsonServer(port: number, tls: ServerTls, body: string): string {
  if (body.includes("'")) throw new Error('static body must not contain a single quote');
  return `
  server {
    listen 127.0.0.1:${port} ssl;
    ssl_certificate ${tls.certFile};
    ssl_certificate_key ${tls.keyFile};
    client_max_body_size 1m;
    client_body_buffer_size 1m;
    location / {
      default_type application/json;
      add_header Request-Id req_bench always;
      return 200 '${body}';
    }
  }`;
}

/** TLS termination for `host` and `Authorization` swapped, forwarded over a verified keep-alive pool. */
export function headerSwapProxyServer(o: {
  port: number;
  tls: ServerTls;
  host: string;
  upstreamPort: number;
  upstreamCaFile: string;
  authorization: string;
}): string {
  return `
  upstream up {
    server 127.0.0.1:${o.upstreamPort};
    keepalive 64;
  }
  server {
    listen 127.0.0.1:${o.port} ssl;
    ssl_certificate ${o.tls.certFile};
    ssl_certificate_key ${o.tls.keyFile};
    client_max_body_size 1m;
    client_body_buffer_size 1m;
    location / {
      proxy_pass https://up;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host ${o.host};
      proxy_set_header Authorization "${o.authorization}";
      proxy_ssl_verify on;
      proxy_ssl_trusted_certificate ${o.upstreamCaFile};
      proxy_ssl_name ${o.host};
      proxy_ssl_server_name on;
      proxy_ssl_session_reuse on;
    }
  }`;
}

/**
 * Starts nginx (one worker, pinned to `core`) with `servers(port)` inside its
 * http block, on a free port. `dir` holds the config, logs and temp paths.
 */
export async function startNginx(dir: string, core: number | undefined, servers: (port: number) => string): Promise<NginxServer> {
  const port = await freePort();
  const tmp = path.join(dir, 'tmp');
  fs.mkdirSync(tmp, { recursive: true });
  const conf = path.join(dir, 'nginx.conf');
  fs.writeFileSync(
    conf,
    `worker_processes 1;
daemon off;
pid ${path.join(dir, 'nginx.pid')};
error_log ${path.join(dir, 'error.log')} warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 10000000;
  keepalive_timeout 120s;
  client_body_temp_path ${tmp}/body;
  proxy_temp_path ${tmp}/proxy;
  fastcgi_temp_path ${tmp}/fastcgi;
  uwsgi_temp_path ${tmp}/uwsgi;
  scgi_temp_path ${tmp}/scgi;
${servers(port)}
}
`,
  );
  const child = spawnPinned(core, 'nginx', ['-p', dir, '-e', path.join(dir, 'error.log'), '-c', conf], { stdio: 'ignore' });
  try {
    await waitForPort(port, child, 'nginx');
  } catch (err) {
    const log = fs.existsSync(path.join(dir, 'error.log')) ? fs.readFileSync(path.join(dir, 'error.log'), 'utf8') : '';
    await stopChild(child, 'SIGKILL');
    throw new Error(`${(err as Error).message}: ${log.slice(-1000)}`, { cause: err });
  }
  return { port, pid: child.pid ?? 0, dir, close: () => stopChild(child, 'SIGTERM') };
}

/**
 * The baseline: nginx terminating TLS for `host` (its own CA) and swapping in
 * `authorization`, pinned to the server core. Its `dir` is removed on close.
 */
export async function startHeaderSwapProxy(o: {
  host: string;
  upstream: { port: number; caFile: string };
  authorization: string;
  core?: number;
}): Promise<NginxServer & { caPem: string }> {
  const dir = tempDir('keybrake-bench-nginx-');
  const tls = writeServerTls(dir, o.host, 'bench nginx CA');
  const server = await startNginx(dir, o.core ?? CORES.server, (port) =>
    headerSwapProxyServer({ port, tls, host: o.host, upstreamPort: o.upstream.port, upstreamCaFile: o.upstream.caFile, authorization: o.authorization }),
  );
  return {
    ...server,
    caPem: tls.caPem,
    close: async () => {
      await server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
