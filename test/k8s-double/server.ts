// An API-server double over real HTTP(S) for tests: the REST surface that
// @kubernetes/client-node, the keybrake controller, sidecars, the kubectl plugin
// and the real kubectl use. A test tool, not product code.
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import { ApiError, status, Store, type Watcher } from './store.ts';
import { builtinTypes, typeKey, typesFromCrd, apiVersionOf, type KubeObject, type ResourceType } from './resources.ts';
import { fieldSelector, labelSelector, SelectorError } from './selectors.ts';
import { create, patch, remove, update } from './writes.ts';
import { apiGroupList, apiVersions, openapiGroupVersion, openapiRoot, resourceList, table, VERSION } from './discovery.ts';
import { forwardToPod, parsePodTarget, type PortMap } from './pod-proxy.ts';

export interface RequestRecord {
  method: string;
  path: string;
  query: string;
  user: string | undefined;
  status: number;
  contentType?: string;
}

export interface DoubleOptions {
  tls?: { cert: string; key: string };
  /** Refuse requests without `Authorization: Bearer …` (401). Default true. */
  requireAuth?: boolean;
  port?: number;
}

const MAX_BODY = 3 * 1024 * 1024;

interface Route {
  type: ResourceType;
  ns?: string;
  name?: string;
  sub?: string;
  rest: string[];
}

export class ApiServerDouble {
  readonly store = new Store();
  readonly requests: RequestRecord[] = [];
  readonly ports: PortMap = new Map();
  #types = new Map<string, ResourceType>();
  #server?: http.Server;
  #sockets = new Set<net.Socket>();
  #opts: DoubleOptions;
  #failures: Array<{ method: string; path: RegExp; code: number; times: number }> = [];
  #forbidden: Array<{ user: RegExp; path: RegExp }> = [];
  port = 0;

  constructor(opts: DoubleOptions = {}) {
    this.#opts = opts;
    for (const t of builtinTypes()) this.#types.set(typeKey(t.group, t.version, t.plural), t);
  }

  get url(): string {
    return `${this.#opts.tls ? 'https' : 'http'}://127.0.0.1:${this.port}`;
  }

  get types(): ResourceType[] {
    return [...this.#types.values()];
  }

  /** Starts listening (again, on the same port after stop(), with the same state). */
  async start(): Promise<this> {
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => void this.#handle(req, res);
    this.#server = this.#opts.tls ? https.createServer({ ...this.#opts.tls }, handler) : http.createServer(handler);
    this.#server.on('connection', (s: net.Socket) => {
      this.#sockets.add(s);
      s.once('close', () => this.#sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      this.#server!.once('error', reject);
      this.#server!.listen(this.port || this.#opts.port || 0, '127.0.0.1', () => resolve());
    });
    this.port = (this.#server.address() as net.AddressInfo).port;
    return this;
  }

  /** An outage: every connection (watches included) is cut and nothing listens until start(). */
  async stop(): Promise<void> {
    for (const w of this.store.watchers) w.close();
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((r) => (this.#server ? this.#server.close(() => r()) : r()));
    this.#server = undefined;
  }

  /** Ends every open watch cleanly (as a server's request timeout does). */
  closeWatches(): void {
    for (const w of this.store.watchers) w.close();
  }

  /** Sends 410 Expired on every open watch, closes them, and compacts history so the resume relists. */
  expireWatches(): void {
    this.store.compact();
    for (const w of this.store.watchers) {
      w.send('ERROR', status(410, 'Expired', `too old resource version: 1 (${this.store.resourceVersion})`));
      w.close();
    }
  }

  /** RBAC in miniature: requests by a matching user to a matching path get 403 Forbidden. */
  forbid(user: RegExp, path: RegExp): void {
    this.#forbidden.push({ user, path });
  }

  /** Answers the next `times` matching requests with `code`. */
  failNext(method: string, path: RegExp, code: number, times = 1): void {
    this.#failures.push({ method, path, code, times });
  }

  registerType(t: ResourceType): void {
    this.#types.set(typeKey(t.group, t.version, t.plural), t);
  }

  findType(groupVersion: string, plural: string): ResourceType {
    const [group = '', version = ''] = groupVersion.includes('/') ? groupVersion.split('/') : ['', groupVersion];
    const t = this.#types.get(typeKey(group, version, plural));
    if (!t) throw new Error(`the double does not serve ${plural} in ${groupVersion}`);
    return t;
  }

  /** Creates an object directly (test setup), bypassing HTTP. */
  seed(groupVersion: string, plural: string, obj: KubeObject): KubeObject {
    const t = this.findType(groupVersion, plural);
    const made = create(this.store, t, obj.metadata.namespace, obj);
    if (t.plural === 'customresourcedefinitions') for (const ct of typesFromCrd(made)) this.registerType(ct);
    return made;
  }

  /** A running pod at 127.0.0.1 whose container ports map to real loopback ports. */
  addPod(ns: string, name: string, labels: Record<string, string>, ports: Record<number, number>, extra: Partial<KubeObject> = {}): KubeObject {
    for (const [containerPort, port] of Object.entries(ports)) this.ports.set(`${ns}/${name}:${containerPort}`, port);
    const pod = this.seed('v1', 'pods', {
      metadata: { name, namespace: ns, labels },
      spec: { containers: [{ name: 'agent', image: 'agent' }] },
      ...extra,
    } as KubeObject);
    const t = this.findType('v1', 'pods');
    return update(this.store, t, ns, name, { ...pod, status: { phase: 'Running', podIP: '127.0.0.1' } }, 'status');
  }

  get(groupVersion: string, plural: string, ns: string | undefined, name: string): KubeObject | undefined {
    return this.store.get(this.findType(groupVersion, plural), ns, name);
  }

  async #handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://double');
    const record: RequestRecord = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.search,
      user: /^Bearer\s+(\S+)/i.exec(req.headers.authorization ?? '')?.[1],
      status: 200,
      contentType: req.headers['content-type'],
    };
    this.requests.push(record);
    const send = (code: number, body: unknown) => {
      record.status = code;
      const text = JSON.stringify(body);
      res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
    };
    try {
      if (this.#opts.requireAuth !== false && !record.user) throw new ApiError(401, 'Unauthorized', 'Unauthorized');
      if (this.#forbidden.some((f) => f.user.test(record.user ?? '') && f.path.test(url.pathname))) {
        throw new ApiError(403, 'Forbidden', `User "${record.user}" cannot access ${url.pathname}`);
      }
      const failure = this.#failures.find((f) => f.times > 0 && f.method === record.method && f.path.test(url.pathname));
      if (failure) {
        failure.times--;
        throw new ApiError(failure.code, failure.code === 410 ? 'Expired' : 'InternalError', `injected failure ${failure.code}`);
      }
      const segments = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
      const fixed = this.#fixed(segments, req);
      if (fixed !== undefined) return send(200, fixed);
      const route = this.#route(segments);
      if (route.sub === 'proxy' && route.type.plural === 'pods') return this.#podProxy(route, url, req, res, record);
      const body = ['POST', 'PUT', 'PATCH'].includes(record.method) ? await readJson(req) : undefined;
      const result = this.#serve(route, record.method, url, req, res, body, record);
      if (result !== undefined) send(record.method === 'POST' ? 201 : 200, result);
    } catch (err) {
      if (err instanceof ApiError) return send(err.code, status(err.code, err.reason, err.message, err.details));
      if (err instanceof SelectorError) return send(400, status(400, 'BadRequest', err.message));
      send(500, status(500, 'InternalError', (err as Error).message));
    }
  }

  /** Discovery, version and OpenAPI. */
  #fixed(s: string[], req: http.IncomingMessage): unknown {
    const p = s.join('/');
    const types = this.types;
    if (p === 'version') return VERSION;
    if (p === 'api') return apiVersions();
    if (p === 'apis') return apiGroupList(types);
    if (p === 'api/v1' && s.length === 2) return resourceList(types, '', 'v1');
    if (s[0] === 'apis' && s.length === 3) {
      const list = resourceList(types, s[1]!, s[2]!);
      if (!list) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
      return list;
    }
    if (p === 'openapi/v3') return openapiRoot(types);
    if (s[0] === 'openapi' && s[1] === 'v3') {
      const [group = '', version = ''] = s[2] === 'api' ? ['', s[3]] : [s[3], s[4]];
      const doc = openapiGroupVersion(types, this.#crds(), group, version);
      if (!doc) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
      return doc;
    }
    if (p === 'openapi/v2') throw new ApiError(404, 'NotFound', 'the double serves OpenAPI v3 only');
    void req;
    return undefined;
  }

  #crds(): KubeObject[] {
    return this.store.list(this.findType('apiextensions.k8s.io/v1', 'customresourcedefinitions'), undefined, () => true);
  }

  #route(s: string[]): Route {
    let gv: string;
    let rest: string[];
    if (s[0] === 'api' && s[1]) [gv, rest] = [s[1], s.slice(2)];
    else if (s[0] === 'apis' && s[2]) [gv, rest] = [`${s[1]}/${s[2]}`, s.slice(3)];
    else throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    let ns: string | undefined;
    if (rest[0] === 'namespaces' && rest.length >= 3 && !['status', 'finalize'].includes(rest[2]!)) {
      ns = rest[1];
      rest = rest.slice(2);
    }
    const [group = '', version = ''] = gv.includes('/') ? gv.split('/') : ['', gv];
    const type = this.#types.get(typeKey(group, version, rest[0] ?? ''));
    if (!type) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    return { type, ns, name: rest[1], sub: rest[2], rest: rest.slice(3) };
  }

  #serve(r: Route, method: string, url: URL, req: http.IncomingMessage, res: http.ServerResponse, body: unknown, record: RequestRecord): unknown {
    const { type: t, ns, name } = r;
    if (r.sub && !(r.sub === 'status' && t.statusSubresource)) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    const sub = r.sub as 'status' | undefined;
    if (!name) {
      if (method === 'GET') {
        const match = selectorMatcher(url, t);
        if (url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1') {
          this.#watch(t, ns, match, url, res, record);
          return undefined;
        }
        const items = this.store.list(t, ns, match);
        if (String(req.headers.accept ?? '').includes('as=Table')) return table(t, items, this.store.resourceVersion);
        return { apiVersion: apiVersionOf(t), kind: `${t.kind}List`, metadata: { resourceVersion: this.store.resourceVersion, continue: '' }, items };
      }
      if (method === 'POST') {
        const made = create(this.store, t, ns, body as KubeObject);
        if (t.plural === 'customresourcedefinitions') this.#registerCrd(made);
        return made;
      }
      throw new ApiError(405, 'MethodNotAllowed', `${method} is not supported on a collection`);
    }
    switch (method) {
      case 'GET': {
        const o = this.store.get(t, ns, name);
        if (!o)
          throw new ApiError(404, 'NotFound', `${t.group ? `${t.plural}.${t.group}` : t.plural} "${name}" not found`, {
            name,
            kind: t.plural,
            ...(t.group ? { group: t.group } : {}),
          });
        if (String(req.headers.accept ?? '').includes('as=Table')) return table(t, [o], this.store.resourceVersion);
        return o;
      }
      case 'PUT': {
        const o = update(this.store, t, ns, name, body as KubeObject, sub);
        if (t.plural === 'customresourcedefinitions') this.#registerCrd(o);
        return o;
      }
      case 'PATCH': {
        const o = patch(this.store, t, ns, name, String(req.headers['content-type'] ?? ''), body, sub);
        if (t.plural === 'customresourcedefinitions') this.#registerCrd(o);
        return o;
      }
      case 'DELETE':
        return remove(this.store, t, ns, name);
      default:
        throw new ApiError(405, 'MethodNotAllowed', `${method} is not supported`);
    }
  }

  #registerCrd(crd: KubeObject): void {
    for (const t of typesFromCrd(crd)) this.registerType(t);
  }

  #watch(t: ResourceType, ns: string | undefined, match: Watcher['match'], url: URL, res: http.ServerResponse, record: RecordLike): void {
    const rv = url.searchParams.get('resourceVersion') ?? undefined;
    let closed = false;
    const watcher: Watcher = {
      kind: typeKey(t.group, t.version, t.plural),
      namespace: ns,
      match,
      send: (type, obj) => {
        if (!closed) res.write(`${JSON.stringify({ type, object: obj })}\n`);
      },
      close: () => {
        if (closed) return;
        closed = true;
        this.store.watchers.delete(watcher);
        res.end();
      },
    };
    // Validate first so a too-old RV can still be answered in the stream.
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked', 'cache-control': 'no-cache' });
    res.flushHeaders();
    record.status = 200;
    res.on('close', () => watcher.close());
    try {
      this.store.watch(t, watcher, rv);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      // Current API servers answer a too-old RV with 200 and one ERROR event, then close.
      watcher.send('ERROR', status(err.code, err.reason, err.message));
      return watcher.close();
    }
    if (url.searchParams.get('allowWatchBookmarks') === 'true') {
      watcher.send('BOOKMARK', { kind: t.kind, apiVersion: apiVersionOf(t), metadata: { resourceVersion: this.store.resourceVersion } });
    }
    const timeout = Number(url.searchParams.get('timeoutSeconds'));
    if (timeout > 0) setTimeout(() => watcher.close(), timeout * 1000).unref();
  }

  #podProxy(r: Route, url: URL, req: http.IncomingMessage, res: http.ServerResponse, record: RequestRecord): void {
    const target = parsePodTarget(r.name ?? '');
    const pod = this.store.get(r.type, r.ns, target.name);
    if (!pod) throw new ApiError(404, 'NotFound', `pods "${target.name}" not found`, { name: target.name, kind: 'pods' });
    const port = this.ports.get(`${r.ns}/${target.name}:${target.port ?? '80'}`);
    res.on('finish', () => (record.status = res.statusCode));
    forwardToPod(req, res, { ip: pod.status?.podIP, port, path: r.rest.join('/'), query: url.search });
  }
}

type RecordLike = { status: number };

function selectorMatcher(url: URL, t: ResourceType): Watcher['match'] {
  const labels = labelSelector(url.searchParams.get('labelSelector'));
  const fields = fieldSelector(url.searchParams.get('fieldSelector'), t);
  return (o) => labels(o) && fields(o);
}

async function readJson(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > MAX_BODY) throw new ApiError(413, 'RequestEntityTooLarge', 'request entity too large');
    chunks.push(c);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch (err) {
    // kubectl sends JSON; YAML bodies (apply-patch+yaml) are not supported by the double.
    throw new ApiError(400, 'BadRequest', `the body of the request is not JSON: ${(err as Error).message}`);
  }
}
