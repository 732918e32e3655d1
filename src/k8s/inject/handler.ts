// The webhook on the wire: POST /mutate with an AdmissionReview v1, answered
// with the same apiVersion and kind. Anything malformed is answered with an
// HTTP error, which a failurePolicy: Fail configuration turns into a refusal.
import fs from 'node:fs';
import https from 'node:https';
import type http from 'node:http';
import type net from 'node:net';
import path from 'node:path';
import type { InjectConfig } from './config.ts';
import { mutate, type AdmissionRequest, type Decision } from './mutate.ts';

const MAX_REVIEW_BYTES = 4 * 1024 * 1024; // the apiserver caps objects near 3 MiB; leave room for the envelope
const WARNING_MAX = 120; // longer warnings may be cut by clients

export interface MutateHandlerOptions {
  /** Called once per review (for logs and metrics). */
  onDecision?(d: Decision, request: AdmissionRequest): void;
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
}

const fail = (res: http.ServerResponse, status: number, message: string) => send(res, status, { error: `keybrake webhook: ${message}` });

export function createMutateHandler(cfg: InjectConfig, opts: MutateHandlerOptions = {}): http.RequestListener {
  return async (req, res) => {
    // The apiserver appends ?timeout=10s to the configured path.
    if ((req.url ?? '').split('?')[0] !== '/mutate') return fail(res, 404, `no route ${req.url}; the webhook path is /mutate`);
    if (req.method !== 'POST') return fail(res, 405, 'POST an AdmissionReview to /mutate');
    if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) return fail(res, 415, 'content-type must be application/json');
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_REVIEW_BYTES) return fail(res, 413, `AdmissionReview over ${MAX_REVIEW_BYTES} bytes`);
      chunks.push(chunk);
    }
    let review: { apiVersion?: unknown; kind?: unknown; request?: AdmissionRequest };
    try {
      review = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return fail(res, 400, 'body is not JSON');
    }
    if (review?.apiVersion !== 'admission.k8s.io/v1' || review.kind !== 'AdmissionReview') {
      return fail(res, 400, 'expected apiVersion admission.k8s.io/v1, kind AdmissionReview (set admissionReviewVersions: ["v1"])');
    }
    const request = review.request;
    if (typeof request?.uid !== 'string' || !request.uid) return fail(res, 400, 'request.uid is missing');
    let decision: Decision;
    try {
      decision = mutate(request, cfg);
    } catch (err) {
      // Fail closed with a reason rather than a bare 500.
      decision = {
        response: {
          uid: request.uid,
          allowed: false,
          status: { code: 500, reason: 'InternalError', message: `keybrake webhook error: ${(err as Error).message}` },
        },
        ops: [],
        outcome: 'refused',
        reason: (err as Error).message,
      };
    }
    opts.onDecision?.(decision, request);
    const response = { ...decision.response };
    if (response.warnings) response.warnings = response.warnings.map((w) => (w.length > WARNING_MAX ? `${w.slice(0, WARNING_MAX - 1)}…` : w));
    send(res, 200, { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response });
  };
}

export interface WebhookServer {
  address: net.AddressInfo;
  server: https.Server;
  close(): Promise<void>;
}

/** TLS material from a kubernetes.io/tls Secret mounted as a directory (tls.crt, tls.key). */
export function readTlsDir(dir: string): { cert: string; key: string } {
  const read = (f: string) => {
    try {
      return fs.readFileSync(path.join(dir, f), 'utf8');
    } catch (err) {
      throw new Error(`webhook TLS: cannot read ${path.join(dir, f)} (${(err as NodeJS.ErrnoException).code}): mount the webhook's TLS Secret there`, {
        cause: err,
      });
    }
  };
  return { cert: read('tls.crt'), key: read('tls.key') };
}

export async function startWebhookServer(o: { cert: string; key: string; host: string; port: number; handler: http.RequestListener }): Promise<WebhookServer> {
  const server = https.createServer({ cert: o.cert, key: o.key, minVersion: 'TLSv1.2' }, o.handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  return {
    address: server.address() as net.AddressInfo,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
