// Step 3: read one HTTP request from the terminated connection: Host must be
// the name the connection was opened for, compressed bodies and method
// overrides are refused, and the body is buffered up to a limit (413 above)
// and within the shared body budget — a partial body is never evaluated, and
// a connection that breaks mid-body is a refusal, never a thrown error.
import type { IncomingMessage } from 'node:http';
import type { Refusal, VendorRequest } from '../vendors/pack.ts';
import type { BodyLease } from '../limits/body-budget.ts';
import { flattenHeaders } from '../http/headers.ts';
import { refuse } from '../refusal/catalog.ts';

export type ReadResult = { ok: true; request: VendorRequest } | { ok: false; refusal: Refusal; closeConnection: boolean };

export interface ReadLimits {
  maxBody: number;
  /** This request's share of the body bytes buffered across all connections. */
  lease: BodyLease;
  /** Called when the shared budget refused the body. */
  onBudgetRefused?(): void;
}

/**
 * Headers that ask a server to act as a different method than the request
 * line says. The proxy judged the method on the request line; a vendor (or a
 * framework in front of it) honouring one of these would act on another.
 */
const METHOD_OVERRIDES = ['x-http-method-override', 'x-http-method', 'x-method-override'];

export async function readRequest(req: IncomingMessage, host: string, limits: ReadLimits): Promise<ReadResult> {
  const headers = flattenHeaders(req.headers);
  const hostHeader = (headers['host'] ?? '').toLowerCase().replace(/:\d+$/, ''); // the port differs in tests; the name is what matters
  if (hostHeader !== host) {
    return refused(refuse('hostMismatch', hostHeader, host));
  }
  const override = METHOD_OVERRIDES.find((name) => name in headers);
  if (override) return refused(refuse('methodOverride', override, req.method ?? ''));
  const encoding = (headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (encoding !== 'identity' && encoding !== '') {
    return refused(refuse('compressedBody', encoding));
  }
  const declared = Number(headers['content-length'] ?? 0);
  if (declared > limits.maxBody) return tooLarge(limits.maxBody);
  if (!limits.lease.ensure(declared)) return busy(limits);
  const body = await readBody(req, limits);
  if (!Buffer.isBuffer(body)) return body;
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  return {
    ok: true,
    request: {
      method: (req.method ?? 'GET').toUpperCase(),
      path: q < 0 ? url : url.slice(0, q),
      query: q < 0 ? '' : url.slice(q + 1),
      headers,
      body,
    },
  };
}

/**
 * The body, read from the stream's events (no async iterator per request). Past
 * a limit nothing more is kept: the rest is read and dropped (the socket is left
 * alone, so the client can finish writing and read its refusal). An error or a
 * close before the end is an incomplete body.
 */
function readBody(req: IncomingMessage, limits: ReadLimits): Promise<Buffer | ReadResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (result: Buffer | ReadResult) => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onIncomplete);
      req.off('close', onIncomplete);
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limits.maxBody) return done(tooLarge(limits.maxBody));
      if (!limits.lease.ensure(size)) return done(busy(limits));
      chunks.push(chunk);
    };
    // The client closed or reset mid-body, a chunk size did not parse, or a kill cut the socket.
    const onIncomplete = () => done(incomplete());
    const onEnd = () => done(req.complete ? (chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)) : incomplete());
    req.on('error', ignore); // an error after the read is over must not become an uncaught exception
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onIncomplete);
    req.on('close', onIncomplete);
  });
}

function ignore(): void {}

function refused(refusal: Refusal): ReadResult {
  return { ok: false, closeConnection: true, refusal };
}

function incomplete(): ReadResult {
  return refused(refuse('incompleteBody'));
}

function tooLarge(maxBody: number): ReadResult {
  return refused(refuse('bodyTooLarge', maxBody));
}

function busy(limits: ReadLimits): ReadResult {
  limits.onBudgetRefused?.();
  return refused(refuse('busy'));
}
