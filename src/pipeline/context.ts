// The state of one call as it moves through the pipeline, and the services the
// steps share. Every step has the same shape (linkerd-style layers):
//   (ctx, services) => Refusal | undefined
// A step either enriches ctx and returns undefined, or returns the refusal
// that ends the call before anything is forwarded.
import type { Logger } from 'pino';
import type { CompiledCap, CompiledPolicy, CompiledVendor } from '../policy/compiled.ts';
import type { SecretRef } from '../policy/schema.ts';
import type { CapCharge, Ledger } from '../ledger/ledger.ts';
import type { Decision } from '../audit/record.ts';
import type { CostEstimate, Operation, OperationPart, ParsedBody, PresentedKey, Refusal, VendorRequest } from '../vendors/pack.ts';

export interface Clock {
  /** Epoch milliseconds. Injectable so window tests can move time. */
  now(): number;
}

export interface SecretStore {
  /** The Secret's value for a secretRef; throws when it is missing. Never logged. */
  read(ref: SecretRef): string;
}

export interface UpstreamLookup {
  /** GET `path` on `host` with the given headers (real credential), bounded timeout; JSON body. */
  get(host: string, path: string, headers: Record<string, string>): Promise<{ status: number; body: unknown }>;
  /** The same for a read sent as POST with a JSON body (a GraphQL query), bounded alike. */
  post?(host: string, path: string, headers: Record<string, string>, body: string): Promise<{ status: number; body: unknown }>;
}

/**
 * Port for step 10: send a call upstream (the proxy's pools implement it). The
 * answer goes to `sink` as it arrives; the promise resolves once it ended, and
 * rejects on an upstream error, a timeout or an abort (the outcome is unknown).
 */
export interface Forwarder {
  forward(host: string, req: ForwardRequest, sink: ResponseSink): Promise<void>;
}

/** Where a forwarded call's answer goes, in order: head once, data per body chunk, end. */
export interface ResponseSink {
  head(statusCode: number, headers: Record<string, string | string[] | undefined>): void;
  /** Returning false pauses the upstream until `resume` is called (backpressure from the agent's socket). */
  data(chunk: Buffer, resume: () => void): boolean;
  end(): void;
}

export interface ForwardRequest {
  method: string;
  path: string; // with query
  headers: Record<string, string>;
  body: Buffer;
  signal: AbortSignal;
}

/** The kill switch's state and cut counter, as forward and the cost lookup check them. */
export interface KillView {
  state(): { killed: boolean; reason?: string; since?: string };
  readonly epoch: number;
}

/** Port to the kill switch: a kill aborts every tracked upstream request. */
export interface AbortTracker extends KillView {
  /** Returns the untrack function. */
  trackAbort(controller: AbortController): () => void;
}

export interface Services {
  clock: Clock;
  ledger: Ledger;
  secrets: SecretStore;
  upstream: UpstreamLookup;
  log: Logger;
  /** Current kill state; checked per request. */
  killState(): { killed: boolean; reason?: string; since?: string };
  /** The kill switch's cut counter (see KillSwitch.epoch); 0 when there is no kill switch. */
  killEpoch?(): number;
  /** How long an unsettled hold stays a hold before it counts as committed. */
  holdMs: number;
  /** Told of every ledger failure (metrics). */
  onLedgerError?(): void;
  /** Told of every call refused for exceeding the CEL cost budget (metrics). */
  onCelBudgetExceeded?(): void;
}

/** A cap charge together with the cap it belongs to (for messages and /status). */
export interface PlannedCharge {
  cap: CompiledCap;
  charge: CapCharge;
}

export interface UpstreamResult {
  status: number;
  headers: Record<string, string>;
  /** Parsed JSON of a 2xx response, when it was JSON and within the settle buffer. */
  json?: unknown;
  requestId?: string;
  /** Time from sending upstream to the end of the response. */
  seconds?: number;
  /** Set when the outcome is unknown: timeout, reset, aborted by kill. */
  error?: string;
}

export interface CallContext {
  readonly id: string;
  readonly receivedAt: Date;
  readonly startNs: bigint;
  readonly mode: 'transparent' | 'connect';
  /** From SNI or CONNECT, never from the Host header. */
  readonly host: string;
  readonly request: VendorRequest;
  readonly bodySha256: string;
  /** The policy snapshot this call is judged by, taken once at arrival. */
  readonly policy: CompiledPolicy;
  readonly vendor: CompiledVendor;

  operation?: Operation;
  body?: ParsedBody;
  /** Set when one request carries several operations (a GraphQL document): each is judged on its own. */
  parts?: readonly OperationPart[];
  presented?: PresentedKey;
  agentKeyId?: string;
  runId?: string;
  idempotencyKey?: string;
  /** Ledger scope for `per: key` caps: identifies the real credential, not its value. */
  credentialScope?: string;
  /** Headers to send upstream: hop-by-hop dropped, the real credential in place of the agent key. */
  outboundHeaders?: Record<string, string>;
  rule?: string;
  cost?: CostEstimate;
  /** The resolved amount (after lookup), in the request's currency. */
  amount?: { amount: number; currency: string };
  charges?: PlannedCharge[];
  /** What settle committed in the request's currency (the response's amount, else the estimate). */
  committed?: { amount: number; currency: string };
  /** KillSwitch.epoch when the call passed the kill check: forward refuses if it changed since. */
  killEpoch?: number;
  /** Refusals that enforcement: dryrun recorded instead of returning. */
  dryrunDenials: Refusal[];
  upstream?: UpstreamResult;
  decision?: Decision;
  refusal?: Refusal;
  /** Set once the audit record is written: a call cut by shutdown is recorded once, by whoever gets there first. */
  audited?: boolean;
}

export type Step = (ctx: CallContext, services: Services) => Promise<Refusal | undefined> | Refusal | undefined;

/**
 * For refusals a policy may waive in dry-run (rules, loop brake, caps): in
 * enforce mode return it; in dryrun record it and let the call go on.
 * Kill, key and parse refusals are never waived and do not use this.
 */
export function policyRefusal(ctx: CallContext, refusal: Refusal): Refusal | undefined {
  if (ctx.vendor.enforcement === 'dryrun') {
    ctx.dryrunDenials.push(refusal);
    return undefined;
  }
  return refusal;
}
