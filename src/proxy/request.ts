// Step 3: read one HTTP request from the terminated connection: Host must be
// the name the connection was opened for, compressed bodies are refused, and
// the body is buffered up to a limit (413 above) — a partial body is never
// evaluated.
import type { IncomingMessage } from 'node:http';
import type { Refusal, VendorRequest } from '../vendors/pack.ts';
import { flattenHeaders } from './headers.ts';

export type ReadResult = { ok: true; request: VendorRequest } | { ok: false; refusal: Refusal; closeConnection: boolean };

export async function readRequest(req: IncomingMessage, host: string, maxBody: number): Promise<ReadResult> {
  const headers = flattenHeaders(req.headers);
  const hostHeader = (headers['host'] ?? '').toLowerCase().replace(/:\d+$/, ''); // the port differs in tests; the name is what matters
  if (hostHeader !== host) {
    return {
      ok: false,
      closeConnection: true,
      refusal: { status: 403, code: 'keybrake_host_mismatch', message: `Host header "${hostHeader}" does not match the TLS server name ${host}.` },
    };
  }
  const encoding = (headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (encoding !== 'identity' && encoding !== '') {
    return {
      ok: false,
      closeConnection: true,
      refusal: { status: 415, code: 'keybrake_compressed_body', message: `Compressed request bodies (${encoding}) are refused: keybrake must read the body to enforce policy. Send it uncompressed.` },
    };
  }
  const declared = Number(headers['content-length'] ?? 0);
  if (declared > maxBody) return tooLarge(maxBody);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBody) return tooLarge(maxBody);
    chunks.push(chunk);
  }
  if (!req.complete) {
    return { ok: false, closeConnection: true, refusal: { status: 400, code: 'keybrake_incomplete_body', message: 'The request body ended early; a partial body is never evaluated.' } };
  }
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  return {
    ok: true,
    request: {
      method: (req.method ?? 'GET').toUpperCase(),
      path: q < 0 ? url : url.slice(0, q),
      query: q < 0 ? '' : url.slice(q + 1),
      headers,
      body: Buffer.concat(chunks, size),
    },
  };
}

function tooLarge(maxBody: number): ReadResult {
  return {
    ok: false,
    closeConnection: true,
    refusal: { status: 413, code: 'keybrake_body_too_large', message: `The request body is over keybrake's limit of ${maxBody} bytes, so it was not forwarded.` },
  };
}
