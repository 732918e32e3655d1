// A small REST client over @kubernetes/client-node's KubeConfig: the config's
// TLS and credentials, undici fetch, JSON in and out. Paths are built with literal
// slashes (the generated pods/proxy methods percent-encode the whole sub-path,
// which a real API server may not decode), and every error names the request.
import { KubeConfig, RequestContext, type HttpMethod } from '@kubernetes/client-node';
import { fetch } from 'undici';

export const GROUP = 'keybrake.dev';
export const VERSION = 'v1alpha1';
export const POLICY_PLURAL = 'egresspolicies';
export const POLICIES_CONFIGMAP = 'keybrake-policies';
export const PART_OF = { 'app.kubernetes.io/part-of': 'keybrake' };

/** In-cluster credentials when running in a pod, else KUBECONFIG / ~/.kube/config. */
export function loadKubeConfig(file?: string): KubeConfig {
  const kc = new KubeConfig();
  if (file) kc.loadFromFile(file);
  else kc.loadFromDefault();
  if (!kc.getCurrentCluster()) throw new Error('no Kubernetes cluster configured: set KUBECONFIG or run in a pod with a service account');
  return kc;
}

export class KubeError extends Error {
  readonly status: number;
  readonly reason: string;
  constructor(status: number, reason: string, message: string) {
    super(message);
    this.name = 'KubeError';
    this.status = status;
    this.reason = reason;
  }
}

export interface KubeResponse {
  status: number;
  contentType: string;
  text: string;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Kubernetes objects are read field by field
export type Json = Record<string, any>;

export class KubeApi {
  readonly kc: KubeConfig;
  readonly server: string;

  constructor(kc: KubeConfig) {
    this.kc = kc;
    this.server = kc.getCurrentCluster()!.server.replace(/\/+$/, '');
  }

  /** One request; `signal` bounds it (pods/proxy calls must not wait on a hung pod). */
  async raw(method: string, path: string, opts: { body?: unknown; contentType?: string; signal?: AbortSignal } = {}): Promise<KubeResponse> {
    const ctx = new RequestContext(`${this.server}${path}`, method as HttpMethod);
    await this.kc.applySecurityAuthentication(ctx);
    const headers: Record<string, string> = { accept: 'application/json' };
    Object.assign(headers, ctx.getHeaders() as unknown as Record<string, string>);
    let body: string | undefined;
    if (opts.body !== undefined) {
      body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
      headers['content-type'] = opts.contentType ?? 'application/json';
    }
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- client-node bundles its own undici Dispatcher type
    const res = await fetch(ctx.getUrl(), { method, headers, body, dispatcher: ctx.getDispatcher() as any, signal: opts.signal });
    return { status: res.status, contentType: res.headers.get('content-type') ?? '', text: await res.text() };
  }

  /** JSON request; a non-2xx answer throws KubeError with the server's message. */
  async json(method: string, path: string, opts: { body?: unknown; contentType?: string; signal?: AbortSignal } = {}): Promise<Json> {
    const r = await this.raw(method, path, opts);
    let parsed: Json;
    try {
      parsed = r.text ? JSON.parse(r.text) : {};
    } catch {
      parsed = { message: r.text.slice(0, 300) };
    }
    if (r.status < 200 || r.status >= 300) {
      throw new KubeError(r.status, String(parsed.reason ?? ''), `${method} ${path}: ${r.status} ${parsed.message ?? r.text.slice(0, 300)}`);
    }
    return parsed;
  }

  get(path: string): Promise<Json> {
    return this.json('GET', path);
  }

  /** The object, or undefined on 404. */
  async find(path: string): Promise<Json | undefined> {
    try {
      return await this.get(path);
    } catch (err) {
      if (err instanceof KubeError && err.status === 404) return undefined;
      throw err;
    }
  }

  mergePatch(path: string, patch: unknown): Promise<Json> {
    return this.json('PATCH', path, { body: patch, contentType: 'application/merge-patch+json' });
  }
}

export function policyPath(namespace?: string, name?: string): string {
  const ns = namespace ? `/namespaces/${namespace}` : '';
  return `/apis/${GROUP}/${VERSION}${ns}/${POLICY_PLURAL}${name ? `/${name}` : ''}`;
}

export function configMapPath(namespace: string, name?: string): string {
  return `/api/v1/namespaces/${namespace}/configmaps${name ? `/${name}` : ''}`;
}

/** `POST|GET /api/v1/namespaces/NS/pods/NAME:PORT/proxy/PATH`, slashes literal. */
export function podProxyPath(namespace: string, pod: string, port: number, path: string): string {
  return `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}:${port}/proxy/${path.replace(/^\/+/, '')}`;
}
