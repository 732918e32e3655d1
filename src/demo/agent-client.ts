// The demo's agent: what an HTTPS client behind HTTPS_PROXY sends to Stripe —
// CONNECT to keybrake, TLS inside the tunnel trusting the mesh CA, form-encoded
// POSTs with the agent key as the bearer token. Built on undici (a production
// dependency) so `keybrake demo` runs from an image without dev dependencies;
// the tests drive keybrake with the official SDKs.
import crypto from 'node:crypto';
import { ProxyAgent, request } from 'undici';

export interface StripeError extends Error {
  code?: string;
}

type Params = Record<string, string | number | Record<string, string>>;

/** `{amount: 1200, metadata: {ticket_id: 'T-1'}}` → `amount=1200&metadata[ticket_id]=T-1` (Stripe's bracket form). */
export function stripeForm(params: Params): string {
  const out = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (typeof value === 'object') for (const [sub, v] of Object.entries(value)) out.append(`${key}[${sub}]`, v);
    else out.append(key, String(value));
  }
  return out.toString();
}

export class DemoStripe {
  readonly #dispatcher: ProxyAgent;
  readonly #key: string;

  constructor(key: string, proxyPort: number, caPem: string) {
    this.#key = key;
    this.#dispatcher = new ProxyAgent({ uri: `http://127.0.0.1:${proxyPort}`, requestTls: { ca: caPem } });
  }

  post(path: string, params: Params): Promise<Record<string, unknown>> {
    return this.#call('POST', path, stripeForm(params));
  }

  get(path: string): Promise<Record<string, unknown>> {
    return this.#call('GET', path);
  }

  close(): Promise<void> {
    return this.#dispatcher.close();
  }

  async #call(method: 'GET' | 'POST', path: string, body?: string): Promise<Record<string, unknown>> {
    const res = await request(`https://api.stripe.com${path}`, {
      method,
      dispatcher: this.#dispatcher,
      headers: {
        authorization: `Bearer ${this.#key}`,
        ...(body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded', 'idempotency-key': crypto.randomUUID() }),
      },
      body,
    });
    const json = (await res.body.json()) as Record<string, unknown>;
    if (res.statusCode < 400) return json;
    const error = (json.error ?? {}) as { message?: string; code?: string };
    throw Object.assign(new Error(error.message ?? `HTTP ${res.statusCode}`), { code: error.code }) as StripeError;
  }
}
