// The request pipeline (docs/architecture.md), top to bottom. Each step is one module
// with the same shape; the first refusal ends the call before anything is
// forwarded. Reserve, forward and settle run as one layer (hold.ts); audit
// runs after every outcome.
import type { ServerResponse } from 'node:http';
import type { AuditSink } from '../audit/record.ts';
import type { AbortTracker, CallContext, Forwarder, Services, Step } from './context.ts';
import type { Refusal } from '../vendors/pack.ts';
import { checkKill } from './kill-check.ts';
import { checkPolicyLoaded } from './policy-check.ts';
import { identifyOperation, parseBody } from './identify.ts';
import { checkAgentKey } from './agent-key.ts';
import { swapCredential } from './credential.ts';
import { evaluateRules } from './rules.ts';
import { loopBrake } from './loop-brake.ts';
import { estimateCost } from './cost.ts';
import { forward } from './forward.ts';
import { reserveAround } from './hold.ts';
import { auditRecord } from './audit.ts';
import { refuse } from '../refusal/catalog.ts';

/**
 * Steps 4–9 of the pipeline, in order (classify and terminate happen in src/proxy).
 * The kill check and the no-policy check run first of all, in handleCall,
 * before the body is parsed: a killed proxy answers every call as killed, and
 * one with no policy loaded as keybrake_no_policy, an unparseable one included.
 */
export const STEPS: readonly Step[] = [
  parseBody, //          4. the body in the vendor's encoding (no I/O: cheap)
  checkAgentKey, //      5. a listed, unrevoked keybrake agent key
  swapCredential, //     10a. real key from the Secret (refuses account mismatches early)
  evaluateRules, //      6. default deny; allow rules, field constraints, CEL
  loopBrake, //          7. the same call too often → refuse
  estimateCost, //       8. amount + currency, looked up when the body lacks it
];
// 9–11 (reserve, forward, settle) follow in handleCall, paired by reserveAround.

export interface PipelineServices extends Services {
  upstreams: Forwarder;
  kill: AbortTracker;
  audit: AuditSink;
  where: { namespace?: string; pod?: string };
  /** Metrics and other observers of the finished call. */
  observe?(ctx: CallContext): void;
}

/** Runs one call. `early` is a refusal from reading the request (size, encoding, Host). */
export async function handleCall(ctx: CallContext, services: PipelineServices, res: ServerResponse, early?: Refusal): Promise<void> {
  try {
    // Method and path only, no body: a killed call is still audited with its operation.
    if (!early) identifyOperation(ctx);
    const refusal =
      checkKill(ctx, services) ??
      checkPolicyLoaded(ctx) ??
      early ??
      (await runSteps(ctx, services)) ??
      (await reserveAround(ctx, services, (keepJson) => forward(ctx, services.upstreams, services.kill, res, keepJson)));
    if (refusal) {
      ctx.refusal = refusal;
      reply(ctx, res, refusal);
    }
  } catch (err) {
    // A bug or an unexpected store error: fail closed, never forward.
    services.log.error({ err, requestId: ctx.id }, 'pipeline error');
    ctx.refusal = refuse('internalError');
    if (!res.headersSent) reply(ctx, res, ctx.refusal);
    else res.destroy();
  } finally {
    finish(ctx, services);
  }
}

/** Audit and observe a call exactly once. */
function finish(ctx: CallContext, services: PipelineServices): void {
  if (ctx.audited) return;
  ctx.audited = true;
  services.audit.write(auditRecord(ctx, services.where));
  services.observe?.(ctx);
}

/**
 * Shutdown ran out of time with this call still in flight: record it now (the
 * outcome is unknown, so any reservation stays held) — every call gets its row.
 */
export function recordCutCall(ctx: CallContext, services: PipelineServices, why: string): void {
  if (ctx.audited) return;
  if (!ctx.refusal && !ctx.upstream?.error) ctx.upstream = { status: 0, headers: {}, error: `${why}; the outcome is unknown` };
  finish(ctx, services);
}

async function runSteps(ctx: CallContext, services: Services): Promise<Refusal | undefined> {
  for (const step of STEPS) {
    const refusal = await step(ctx, services);
    if (refusal) return refusal;
  }
  return undefined;
}

function reply(ctx: CallContext, res: ServerResponse, refusal: Refusal): void {
  const r = ctx.vendor.pack.errorResponse(refusal, ctx.request);
  res.writeHead(r.status, { ...r.headers, 'content-length': Buffer.byteLength(r.body), 'x-keybrake-request-id': ctx.id });
  res.end(r.body);
}
