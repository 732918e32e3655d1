// Upstream connections: one undici keep-alive Pool per vendor host. TLS to the
// vendor is always verified (system roots, plus an explicit extra CA only when
// configured, for tests). `--upstream host=https://127.0.0.1:PORT` redirects a
// host for tests and the demo while keeping SNI and verification for the host.
// Forwarded calls go through undici's dispatch API with a handler that hands
// the answer straight to the pipeline's sink: no Readable stream and no async
// iterator per call (measured: the cheapest of request, stream and dispatch).
// undici still parses and frames every response: that is a security boundary.
import tls from 'node:tls';
import { Pool, type Dispatcher } from 'undici';
import type { ForwardRequest, UpstreamLookup, Forwarder, ResponseSink } from '../pipeline/context.ts';

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

  forward(host: string, req: ForwardRequest, sink: ResponseSink): Promise<void> {
    return new Promise((resolve, reject) => {
      const handler = new SinkHandler(sink, req.signal, resolve, reject);
      if (handler.aborted) return reject(req.signal.reason);
      this.#pool(host).dispatch(
        { method: req.method as Dispatcher.HttpMethod, path: req.path, headers: req.headers, body: req.body.length > 0 ? req.body : undefined },
        handler,
      );
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

/**
 * One forwarded call's undici handler. An abort (the kill switch) before the
 * request is written stops it there, so nothing is sent; after, it cuts the
 * upstream connection. Informational (1xx) heads are not the answer: skipped.
 */
class SinkHandler implements Dispatcher.DispatchHandler {
  readonly #sink: ResponseSink;
  readonly #signal: AbortSignal;
  readonly #resolve: () => void;
  readonly #reject: (err: Error) => void;
  #controller?: Dispatcher.DispatchController;
  #reason?: Error;

  constructor(sink: ResponseSink, signal: AbortSignal, resolve: () => void, reject: (err: Error) => void) {
    this.#sink = sink;
    this.#signal = signal;
    this.#resolve = resolve;
    this.#reject = reject;
    if (signal.aborted) this.#reason = signal.reason as Error;
    else signal.addEventListener('abort', this.#onAbort);
  }

  get aborted(): boolean {
    return this.#reason !== undefined;
  }

  readonly #onAbort = (): void => {
    this.#reason = this.#signal.reason as Error;
    this.#controller?.abort(this.#reason);
  };

  readonly #resume = (): void => this.#controller?.resume();

  onRequestStart(controller: Dispatcher.DispatchController): void {
    if (this.#reason) return controller.abort(this.#reason);
    this.#controller = controller;
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[] | undefined>): void {
    if (statusCode >= 200) this.#sink.head(statusCode, headers);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (!this.#sink.data(chunk, this.#resume)) controller.pause();
  }

  onResponseEnd(): void {
    this.#signal.removeEventListener('abort', this.#onAbort);
    // undici has marked the request complete: a throw here would reach no onResponseError, so settle the promise either way.
    try {
      this.#sink.end();
      this.#resolve();
    } catch (err) {
      this.#reject(err as Error);
    }
  }

  onResponseError(_controller: Dispatcher.DispatchController | null, err: Error): void {
    this.#signal.removeEventListener('abort', this.#onAbort);
    this.#reject(err);
  }
}
