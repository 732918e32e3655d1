// Step 10: send the call upstream with the real credential and stream the
// response back. A 2xx JSON response is also kept (bounded) so settle can read
// the actual amount. A kill aborts the upstream request mid-flight, and a kill
// answered before this point refuses it: the check and the dispatch run in one
// synchronous stretch, with the abort already tracked, so no kill can fall
// between them (and undici sends nothing for a request aborted while it connects).
import type { ServerResponse } from 'node:http';
import type { AbortTracker, CallContext, Forwarder } from './context.ts';
import { stripHopByHop } from '../http/headers.ts';
import { refuse, type Refusal } from '../refusal/catalog.ts';
import { killedSinceAdmission } from './kill-check.ts';

const SETTLE_BUFFER_LIMIT = 1024 * 1024;

/**
 * `keepJson`: buffer a 2xx JSON answer for settle (only when the call holds a reservation).
 * Returns a refusal, without sending anything, when a kill came first.
 */
export async function forward(
  ctx: CallContext,
  upstreams: Forwarder,
  kill: AbortTracker,
  res: ServerResponse,
  keepJson: boolean,
): Promise<Refusal | undefined> {
  const late = killedSinceAdmission(ctx, kill);
  if (late) return late;
  const abort = new AbortController();
  const untrack = kill.trackAbort(abort);
  const { method, path, query, body } = ctx.request;
  const sentAt = process.hrtime.bigint();
  let status = 0;
  let headers: Record<string, string> = {};
  let keep = false;
  const chunks: Buffer[] = [];
  let kept = 0;
  // Each chunk is written when the next one arrives, so a one-chunk body (the
  // usual API answer) goes out with the headers in a single TLS write via end().
  let pending: Buffer | undefined;
  try {
    const request = { method, path: query ? `${path}?${query}` : path, headers: ctx.outboundHeaders ?? {}, body, signal: abort.signal };
    await upstreams.forward(ctx.host, request, {
      head(statusCode, upstreamHeaders) {
        status = statusCode;
        headers = stripHopByHop(upstreamHeaders);
        // Only settle reads the body, and only for a reservation.
        keep = keepJson && statusCode >= 200 && statusCode < 300 && (headers['content-type'] ?? '').includes('json');
        res.writeHead(statusCode, headers);
      },
      data(chunk, resume) {
        if (keep && kept + chunk.length <= SETTLE_BUFFER_LIMIT) {
          chunks.push(chunk);
          kept += chunk.length;
        }
        const previous = pending;
        pending = chunk;
        // An agent gone mid-answer: the upstream is still read to its end, for settle.
        if (!previous || res.destroyed || res.write(previous)) return true;
        afterDrain(res, resume);
        return false;
      },
      end() {
        res.end(pending);
      },
    });
    let json: unknown;
    if (keep && kept > 0) {
      try {
        json = JSON.parse(Buffer.concat(chunks, kept).toString('utf8'));
      } catch {
        json = undefined;
      }
    }
    const seconds = Number(process.hrtime.bigint() - sentAt) / 1e9;
    ctx.upstream = { status, headers, json, requestId: ctx.vendor.pack.responseRequestId(headers), seconds };
  } catch (err) {
    // Outcome unknown (reset, timeout, kill): the reservation is kept by settle.
    const message = abort.signal.aborted ? 'aborted by kill switch' : `upstream error: ${(err as Error).message}`;
    ctx.upstream = { status: 0, headers: {}, error: message };
    if (!res.headersSent && !res.destroyed) {
      const reply = ctx.vendor.pack.errorResponse(refuse('upstreamError', ctx.host, message), ctx.request);
      res.writeHead(reply.status, reply.headers).end(reply.body);
    } else {
      res.destroy();
    }
  } finally {
    untrack();
  }
  return undefined;
}

/** `resume` once the agent's socket drained, or closed (then nothing more is written to it). */
function afterDrain(res: ServerResponse, resume: () => void): void {
  const go = () => {
    res.off('drain', go);
    res.off('close', go);
    resume();
  };
  res.on('drain', go);
  res.on('close', go);
}
