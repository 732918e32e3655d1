// The data-plane listener (:17001). One port, three modes, told apart by the
// first bytes (sniff.ts): TLS ClientHello → transparent, CONNECT → explicit
// proxy, anything else → refused. Step 1 (classify host) and step 2 (terminate
// TLS) live here; the HTTP requests inside go to the pipeline.
import crypto from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import tls from 'node:tls';
import type { Logger } from 'pino';
import type { CompiledPolicy } from '../policy/compiled.ts';
import type { LeafMinter } from '../pki/certs.ts';
import type { CallContext } from '../pipeline/context.ts';
import { handleCall, type PipelineServices } from '../pipeline/pipeline.ts';
import type { KillSwitch } from '../kill/kill-switch.ts';
import type { VendorPack } from '../vendors/pack.ts';
import { refuse as refusalOf } from '../refusal/catalog.ts';
import { readRequest } from './request.ts';
import { sniff } from './sniff.ts';
import { resolvePassthrough, splice } from './passthrough.ts';
import { normalizeHostname } from '../pki/hostname.ts';
import { BodyBudget } from '../limits/body-budget.ts';
import { guard } from '../limits/process-guard.ts';
import { BatchedCloser } from './batched-closer.ts';
import type { ConnectionLimits } from '../limits/connection-limits.ts';
import type { LimitCounters } from '../limits/counters.ts';
import { lingerOnClose } from './linger.ts';

export interface DataPlaneOptions {
  minter: LeafMinter;
  /** The policy in force now; every call takes one snapshot at arrival. */
  policy(): CompiledPolicy;
  /** The proxy also tracks client sockets on the kill switch, beyond the pipeline's abort port. */
  services: PipelineServices & { kill: KillSwitch };
  maxBodyBytes: number;
  limits: ConnectionLimits;
  limitMetrics: LimitCounters;
  log: Logger;
}

interface ConnMeta {
  host: string;
  mode: 'transparent' | 'connect';
  /** The pack governing the host when the connection was set up: shapes refusals if a reload drops the host. */
  pack?: VendorPack;
}

export class DataPlane {
  readonly #opts: DataPlaneOptions;
  readonly #server: net.Server;
  readonly #http: http.Server;
  readonly #meta = new WeakMap<net.Socket, ConnMeta>();
  /** Calls in flight, so a drain can wait for them and record the ones it has to cut. */
  readonly #inflight = new Map<CallContext, Promise<void>>();
  #draining = false;
  /** Sockets whose current request's body is still being read: a timeout there is the body deadline. */
  readonly #readingBody = new WeakSet<net.Socket>();
  readonly #budget: BodyBudget;
  readonly #closer = new BatchedCloser();

  constructor(opts: DataPlaneOptions) {
    this.#opts = opts;
    const { limits, limitMetrics, log } = opts;
    this.#budget = new BodyBudget(limits.maxBufferedBytes);
    this.#server = net.createServer({ noDelay: true }, (socket) =>
      guard(
        log,
        'data-plane connection',
        () => this.#onConnection(socket),
        () => socket.destroy(),
      ),
    );
    this.#server.maxConnections = limits.maxConnections;
    this.#server.on('drop', () => limitMetrics.closed('max_connections'));
    // Never listens: terminated TLS sockets are handed to it. Node's strict parser.
    // headersTimeout is the header deadline, requestTimeout the body deadline (the whole request),
    // keepAliveTimeout the idle deadline between requests.
    this.#http = http.createServer({
      keepAliveTimeout: limits.idleMs,
      headersTimeout: limits.headerMs,
      requestTimeout: limits.bodyMs,
      connectionsCheckingInterval: limits.checkIntervalMs,
      maxHeaderSize: 32 * 1024,
    });
    // Node enforces headersTimeout/requestTimeout from a checker it starts on 'listening'; this
    // server never listens (sockets are handed to it), so start the checker the same way.
    this.#http.emit('listening');
    this.#http.on('request', (req, res) =>
      guard(
        log,
        'data-plane request',
        () => this.#onRequest(req, res),
        () => res.destroy(),
      ),
    );
    this.#http.on('timeout', (socket: net.Socket) => {
      limitMetrics.closed('idle');
      socket.destroy();
    });
    this.#http.on('clientError', (err: NodeJS.ErrnoException, socket: net.Socket) => {
      const timedOut = err.code === 'ERR_HTTP_REQUEST_TIMEOUT';
      if (timedOut) limitMetrics.closed(this.#readingBody.has(socket) ? 'body' : 'header');
      const status = timedOut ? '408 Request Timeout' : '400 Bad Request';
      const close = () => {
        if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
        socket.destroy();
      };
      // Expired connections come in one synchronous burst: close them a batch per turn.
      if (timedOut) this.#closer.push(close);
      else close();
    });
  }

  /** Body bytes buffered across all connections right now. */
  get bufferedBytes(): number {
    return this.#budget.used;
  }

  listen(host: string, port: number): Promise<net.AddressInfo> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, () => resolve(this.#server.address() as net.AddressInfo));
    });
  }

  #closed?: Promise<void>;

  /** Stops listening; resolves when every connection has ended (the caller destroys them). */
  close(): Promise<void> {
    this.#closed ??= new Promise((resolve) => {
      this.#http.close(() => {}); // stops the timeout checker started above
      this.#server.close(() => resolve());
    });
    return this.#closed;
  }

  /**
   * Graceful stop: no new connections, keep-alive connections closed after
   * their current response, in-flight calls given `timeoutMs` to finish. Calls
   * still running then are handed to `cut` (which records them) and their
   * sockets destroyed by the caller's kill.disconnectAll().
   */
  async drain(timeoutMs: number, cut: (ctx: CallContext) => void): Promise<void> {
    this.#draining = true;
    void this.close();
    this.#http.closeIdleConnections();
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([Promise.allSettled(this.#inflight.values()), expired]);
    clearTimeout(timer);
    for (const ctx of this.#inflight.keys()) cut(ctx);
    this.#http.closeAllConnections();
  }

  async #onConnection(socket: net.Socket): Promise<void> {
    const { services } = this.#opts;
    socket.on('error', () => socket.destroy());
    services.kill.track(socket);
    // One deadline from accept to a finished TLS handshake (or an open tunnel): the sniff, the
    // CONNECT exchange and the handshake itself. Whatever is still pending then is closed.
    const handshake = setTimeout(() => {
      if (socket.destroyed) return;
      this.#opts.limitMetrics.closed('handshake');
      socket.destroy();
    }, this.#opts.limits.handshakeMs);
    socket.once('close', () => clearTimeout(handshake));
    this.#handshakes.set(socket, handshake);
    const first = await sniff(socket, 0);
    if (first.kind === 'closed') return;
    if (first.kind === 'plain') {
      this.#auditConnection('HTTP', '', 'plain HTTP refused');
      socket.end(
        'HTTP/1.1 400 Bad Request\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\n' +
          'keybrake: plain HTTP is refused. Use HTTPS: directly (transparent mode) or through HTTPS_PROXY (CONNECT).\n',
      );
      return;
    }
    if (first.kind === 'tls') {
      if (!first.serverName) return this.#refuseTls(socket, '(no SNI)', 'TLS without a server name is refused');
      const host = normalizeHostname(first.serverName);
      if (!host) return this.#refuseTls(socket, first.serverName, 'invalid TLS server name');
      return this.#route(socket, host, 443, 'transparent', first.buffered);
    }
    // CONNECT: answer, then expect the client's TLS inside the tunnel.
    const policy = this.#opts.policy();
    const host = first.host;
    if (policy.byHost.has(host)) {
      if (first.port !== 443) return this.#refuseConnect(socket, host, `only port 443 is governed for ${host}`);
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (first.rest.length) socket.unshift(first.rest);
      socket.resume();
      const inner = await sniff(socket);
      if (inner.kind !== 'tls') return void socket.destroy();
      if (inner.serverName && inner.serverName.toLowerCase() !== host) {
        return this.#refuseTls(socket, host, `TLS server name ${inner.serverName} differs from CONNECT ${host}`);
      }
      return this.#terminate(socket, host, 'connect', inner.buffered);
    }
    if (policy.isPassthrough(host)) return this.#tunnel(socket, host, first.port, first.rest, policy, true);
    return this.#refuseConnect(socket, host, `${host} is neither a governed vendor host nor a passthrough host`);
  }

  async #route(socket: net.Socket, host: string, port: number, mode: ConnMeta['mode'], buffered: Buffer): Promise<void> {
    const policy = this.#opts.policy();
    if (policy.byHost.has(host)) return this.#terminate(socket, host, mode, buffered);
    if (policy.isPassthrough(host)) return this.#tunnel(socket, host, port, buffered, policy, false);
    this.#refuseTls(socket, host, `${host} is neither a governed vendor host nor a passthrough host`);
  }

  readonly #handshakes = new WeakMap<net.Socket, NodeJS.Timeout>();

  #handshakeDone(socket: net.Socket): void {
    clearTimeout(this.#handshakes.get(socket));
  }

  async #terminate(socket: net.Socket, host: string, mode: ConnMeta['mode'], buffered: Buffer): Promise<void> {
    // The default context serves CONNECT clients that send no SNI; SNICallback the rest.
    let secureContext: tls.SecureContext;
    try {
      secureContext = await this.#opts.minter.contextFor(host);
    } catch (err) {
      // Cannot mint (e.g. outside the CA's name constraints): reset this one connection.
      return this.#refuseTls(socket, host, `cannot terminate TLS for ${host}: ${(err as Error).message}`);
    }
    socket.unshift(buffered);
    const tlsSocket = new tls.TLSSocket(socket, {
      isServer: true,
      secureContext,
      SNICallback: this.#opts.minter.sniCallback,
      ALPNProtocols: ['http/1.1'],
    });
    tlsSocket.on('error', () => socket.destroy());
    tlsSocket.once('secure', () => this.#handshakeDone(socket));
    this.#meta.set(tlsSocket, { host, mode, pack: this.#opts.policy().byHost.get(host)?.pack });
    this.#http.emit('connection', tlsSocket);
  }

  async #tunnel(socket: net.Socket, host: string, port: number, first: Buffer, policy: CompiledPolicy, viaConnect: boolean): Promise<void> {
    const refuse = (reason: string) => (viaConnect ? this.#refuseConnect(socket, host, reason) : this.#refuseTls(socket, host, reason));
    // Killed means no egress at all, ungoverned passthrough included.
    const kill = this.#opts.services.killState();
    if (kill.killed) return refuse(`keybrake is killed: ${kill.reason ?? 'no reason given'}`);
    const target = await resolvePassthrough(host, policy.allowPrivatePassthrough);
    if (!target.ok) return refuse(target.reason);
    const upstream = net.connect({ host: target.address, port });
    this.#opts.services.kill.track(upstream);
    upstream.once('connect', () => {
      this.#handshakeDone(socket); // a tunnel's TLS is end to end: nothing more to wait for here
      if (viaConnect) socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (first.length) upstream.write(first);
      splice(socket, upstream);
      socket.resume();
      this.#auditConnection(viaConnect ? 'CONNECT' : 'TLS', host, undefined, 'allowed');
    });
    upstream.once('error', (err) => {
      if (viaConnect && !socket.destroyed) this.#refuseConnect(socket, host, `cannot reach ${host}: ${err.message}`, 502);
      else socket.destroy();
    });
  }

  #refuseConnect(socket: net.Socket, host: string, reason: string, status = 403): void {
    this.#auditConnection('CONNECT', host, reason);
    const body = `keybrake: ${reason}\n`;
    socket.end(
      `HTTP/1.1 ${status} ${status === 403 ? 'Forbidden' : 'Bad Gateway'}\r\ncontent-type: text/plain\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  }

  #refuseTls(socket: net.Socket, host: string, reason: string): void {
    // No certificate for an ungoverned name: the TLS client sees a reset.
    this.#auditConnection('TLS', host, reason);
    socket.resetAndDestroy();
  }

  /** The policy changed under an open connection and no longer governs its host: answered in the vendor's shape, audited. */
  #refuseUngoverned(req: http.IncomingMessage, res: http.ServerResponse, meta: ConnMeta | undefined): void {
    const host = meta?.host ?? '';
    const refusal = refusalOf('hostNotGoverned', host || 'this host');
    const reply = meta?.pack?.errorResponse(refusal) ?? {
      status: refusal.status,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ error: { code: refusal.code, message: refusal.message } }),
    };
    this.#auditConnection(req.method ?? 'GET', host, refusal.message, 'denied', (req.url ?? '/').split('?')[0]);
    res.writeHead(reply.status, { ...reply.headers, connection: 'close' });
    res.end(reply.body);
  }

  #auditConnection(method: string, host: string, reason: string | undefined, decision: 'denied' | 'allowed' = 'denied', path = ''): void {
    this.#opts.services.audit.write({
      eventId: crypto.randomUUID(),
      time: new Date().toISOString(),
      namespace: this.#opts.services.where.namespace,
      pod: this.#opts.services.where.pod,
      method,
      host,
      path,
      decision,
      operation: decision === 'allowed' ? 'passthrough' : undefined,
      reason,
      latencyMs: 0,
    });
  }

  async #onRequest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const meta = this.#meta.get(req.socket);
    const policy = this.#opts.policy();
    const vendor = meta && policy.byHost.get(meta.host);
    if (!meta || !vendor) return this.#refuseUngoverned(req, res, meta);
    const startNs = process.hrtime.bigint();
    const receivedAt = new Date();
    const lease = this.#budget.lease();
    let ctx: CallContext | undefined;
    try {
      this.#readingBody.add(req.socket);
      const read = await readRequest(req, meta.host, {
        maxBody: this.#opts.maxBodyBytes,
        lease,
        onBudgetRefused: () => this.#opts.limitMetrics.bufferRefused(),
      });
      this.#readingBody.delete(req.socket);
      const request = read.ok
        ? read.request
        : { method: req.method ?? 'GET', path: (req.url ?? '/').split('?')[0] ?? '/', query: '', headers: {}, body: Buffer.alloc(0) };
      ctx = {
        id: crypto.randomUUID(),
        receivedAt,
        startNs,
        mode: meta.mode,
        host: meta.host,
        request,
        bodySha256: crypto.createHash('sha256').update(request.body).digest('hex'),
        policy,
        vendor,
        dryrunDenials: [],
      };
      if (!read.ok || this.#draining) res.shouldKeepAlive = false;
      if (!read.ok) lingerOnClose(req.socket); // the client may still be writing the body we refused
      const call = handleCall(ctx, this.#opts.services, res, read.ok ? undefined : read.refusal);
      this.#inflight.set(ctx, call);
      await call;
    } finally {
      if (ctx) this.#inflight.delete(ctx);
      // The body is held until the call is over (forward sends it): only then is it given back.
      this.#readingBody.delete(req.socket);
      lease.release();
    }
  }
}
