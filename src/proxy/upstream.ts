// Upstream connections: one undici keep-alive Pool per vendor host. TLS to the
// vendor is always verified (system roots, plus an explicit extra CA only when
// configured, for tests). `--upstream host=https://127.0.0.1:PORT` redirects a
// host for tests and the demo while keeping SNI and verification for the host.
import tls from 'node:tls';
import { Pool, type Dispatcher } from 'undici';
import type { ForwardRequest, UpstreamLookup, Forwarder } from '../pipeline/context.ts';

export interface UpstreamOptions {
  /** host → origin (`https://127.0.0.1:8443`). */
  overrides?: ReadonlyMap<string, string>;
  /** Extra PEM CA trusted for upstreams (tests, demo). */
  extraCa?: string;
  /** Headers + body timeout for forwarded calls. */
  timeoutMs?: number;
  /** Bound on cost lookups (a GET before forwarding). */
  lookupTimeoutMs?: number;
}

export class Upstreams implements UpstreamLookup, Forwarder {
  readonly #pools = new Map<string, Pool>();
  readonly #opts: UpstreamOptions;
  /** Built once: passing `ca` per connection would parse every root certificate each time. */
  readonly #secureContext: tls.SecureContext | undefined;

  constructor(opts: UpstreamOptions = {}) {
    this.#opts = opts;
    this.#secureContext = opts.extraCa ? tls.createSecureContext({ ca: [...tls.rootCertificates, opts.extraCa] }) : undefined;
  }

  origin(host: string, port = 443): string {
    return this.#opts.overrides?.get(host) ?? `https://${host}${port === 443 ? '' : `:${port}`}`;
  }

  #pool(host: string): Pool {
    let pool = this.#pools.get(host);
    if (!pool || pool.destroyed || pool.closed) {
      pool = new Pool(this.origin(host), {
        connections: 128,
        pipelining: 1,
        keepAliveTimeout: 30_000,
        headersTimeout: this.#opts.timeoutMs ?? 60_000,
        bodyTimeout: this.#opts.timeoutMs ?? 60_000,
        connect: { servername: host, rejectUnauthorized: true, ...(this.#secureContext ? { secureContext: this.#secureContext } : {}) },
      });
      this.#pools.set(host, pool);
    }
    return pool;
  }

  forward(host: string, req: ForwardRequest): Promise<Dispatcher.ResponseData> {
    return this.#pool(host).request({
      method: req.method as Dispatcher.HttpMethod,
      path: req.path,
      headers: req.headers,
      body: req.body.length > 0 ? req.body : undefined,
      signal: req.signal,
    });
  }

  get(host: string, path: string, headers: Record<string, string>): Promise<{ status: number; body: unknown }> {
    return this.#lookup(host, path, headers);
  }

  post(host: string, path: string, headers: Record<string, string>, body: string): Promise<{ status: number; body: unknown }> {
    return this.#lookup(host, path, { ...headers, 'content-type': 'application/json' }, body);
  }

  async #lookup(host: string, path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; body: unknown }> {
    const signal = AbortSignal.timeout(this.#opts.lookupTimeoutMs ?? 5_000);
    const res = await this.#pool(host).request({
      method: body === undefined ? 'GET' : 'POST',
      path,
      headers: { ...headers, host, accept: 'application/json' },
      ...(body === undefined ? {} : { body }),
      signal,
    });
    const text = await res.body.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.statusCode, body: json };
  }

  /** On kill: drop every upstream socket, idle keep-alive ones included. */
  destroyAll(): void {
    for (const pool of this.#pools.values()) void pool.destroy(new Error('keybrake killed')).catch(() => {});
    this.#pools.clear();
  }

  async close(): Promise<void> {
    await Promise.all([...this.#pools.values()].map((p) => p.close().catch(() => {})));
    this.#pools.clear();
  }
}
