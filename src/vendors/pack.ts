// The vendor-pack interface: everything keybrake knows about one vendor's wire
// format lives behind it. Adding a vendor = a folder in src/vendors/ + one line
// in src/vendors/registry.ts.
import type { UnitPrices } from './unit-prices.ts';

export interface OperationDef {
  /** Short id used in policies: `refunds.create`. The qualified id is `<vendor>:<id>`. */
  id: string;
  method: string;
  /** Path template with `{name}` segments: `/v1/refunds/{id}`. */
  path: string;
  /** Moves money or sends something billable: needs a cost model or is refused. */
  billable: boolean;
}

export interface Operation {
  /** Operation id, or '' when the path is not in the catalog. */
  id: string;
  billable: boolean;
  /** Values of the `{name}` segments of the path template. */
  params: Record<string, string>;
}

/** A parsed request body: nested objects, arrays and string leaves (JSON keeps its own types). */
export type ParsedBody = Record<string, unknown>;

/**
 * One of several operations a single request carries (a GraphQL document with
 * two mutations). Rules judge every part on its own and all must allow it, or
 * nothing is forwarded; caps limited to some operations count the request when
 * any part is one of them.
 */
export interface OperationPart {
  operation: Operation;
  /** What rules see for this part (`{refundCreate: {input: …}}`). */
  body: ParsedBody;
  /** How messages name the part: `giftCardCreate (alias big)`. */
  label: string;
}

export type ParseResult =
  /** `idempotencyKey`: a retry key the body carries (Shopify's @idempotent), used when no Idempotency-Key header is sent. */
  { ok: true; body: ParsedBody; parts?: OperationPart[]; idempotencyKey?: string } | { ok: false; refusal: Refusal };

/** A refusal before anything is forwarded; packs render it in the vendor's error shape. */
import type { Refusal } from '../refusal/catalog.ts';
export type { Refusal };

export interface VendorResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** What a call costs, known before forwarding. Amounts are integer minor units. */
export type CostEstimate =
  /** Not billable (reads, creates of pages/links): counts only against request caps. */
  | { kind: 'free'; units?: Record<string, number> }
  | { kind: 'amount'; amount: number; currency: string; units?: Record<string, number> }
  /** The amount lives on an existing object: GET `path` upstream with the real key, then `read` it. */
  | {
      kind: 'lookup';
      path: string;
      /** A read that is sent as POST with this JSON body instead of a GET (a GraphQL query). */
      body?: string;
      /** What the agent can do when the lookup fails (default: send the amount in the request). */
      hint?: string;
      read(object: unknown): { amount: number; currency: string } | undefined;
      /** The amount the body states, when it does (the currency is the object's): the audit of a refused call shows it. */
      stated?: number;
      units?: Record<string, number>;
    }
  /** Cannot be known: refuse rather than guess. */
  | { kind: 'unknown'; reason: string };

export interface PriceContext {
  unitPrices?: UnitPrices;
  maxCallMinutes?: number;
  /** The account's own currency, for amounts the request names none for (Shopify: the policy's shopCurrency). */
  defaultCurrency?: string;
  /** Does a request or unit cap of the policy count this operation id? (What an unpriceable call may lean on instead.) */
  countedByRequests?(operationId: string): boolean;
}

/**
 * A policy's vendor entry as a pack reads it: the price fields, plus fields only
 * some packs have (Shopify: `shops`, `shopCurrency`), unchecked until the pack's
 * validateEntry has looked at them. Packs never import the policy schema.
 */
export interface EntryFields extends PriceContext {
  readonly hosts?: unknown;
  readonly shops?: unknown;
  readonly shopCurrency?: unknown;
}

/** The request as the pack sees it. Header names are lowercase. */
export interface VendorRequest {
  method: string;
  path: string; // without query
  query: string; // raw query string without '?', possibly ''
  headers: Record<string, string>;
  body: Buffer;
}

export interface PresentedKey {
  /** The key the agent sent (`kb_…` expected). Never logged. */
  key: string;
  /** Vendor-specific companion (Twilio Account SID / API key SID from the Basic username). */
  principal?: string;
}

export interface VendorPack {
  /** `stripe`, `twilio`, … — the `vendor:` value in policies. */
  id: string;
  /** Default hosts governed for this vendor. */
  hosts: readonly string[];
  operations: readonly OperationDef[];
  /** Map method + path (no query) to an operation; unknown paths give id ''. */
  identify(method: string, path: string): Operation;
  /**
   * Parse the body (and for GET/DELETE the query) in the vendor's encoding; refuse ambiguity.
   * A request that carries several operations returns them as `parts`.
   */
  parse(req: VendorRequest, op: Operation): ParseResult;
  /**
   * Operation ids beyond the catalog that a policy may name (Shopify: GraphQL mutation fields).
   * `inCap` is true for a cap's `operations`, where a misspelt id would silently count nothing.
   */
  namesOperation?(id: string, inCap: boolean): boolean;
  /** The hosts a policy entry governs when the pack reads them from its own field (Shopify: `shops`); else `hosts`. */
  hostsFor?(entry: EntryFields): string[];
  /** Extract the agent's key from the request headers. */
  presentedKey(headers: Record<string, string>): PresentedKey | undefined;
  /**
   * Return outbound headers with the agent's credential replaced by the real
   * secret (the Secret's content). May refuse (Twilio: account SID in the path
   * must belong to the credential).
   */
  applyCredential(
    headers: Record<string, string>,
    secret: string,
    req: { path: string; op: Operation; presented: PresentedKey },
  ): { ok: true; headers: Record<string, string> } | { ok: false; refusal: Refusal };
  /** Cost before forwarding. */
  estimateCost(op: Operation, body: ParsedBody, prices: PriceContext, req: VendorRequest): CostEstimate;
  /**
   * Actual amount after a 2xx, from the response object; undefined keeps the
   * estimate (e.g. Twilio's price is null at create time).
   */
  settledAmount?(op: Operation, response: unknown, estimate: CostEstimate, body?: ParsedBody): { amount: number; currency: string } | undefined;
  /** A 2xx whose body says nothing happened (GraphQL `userErrors`): the hold is released as after a 4xx. */
  nothingHappened?(op: Operation, response: unknown, body?: ParsedBody): boolean;
  /** Fields that make two calls "the same" for the loop brake (idempotency keys excluded). */
  loopFingerprint(op: Operation, body: ParsedBody): unknown[];
  /** Agent run id carried in the body (Stripe `metadata[agent_run_id]`), when the header is absent. */
  runIdFromBody?(body: ParsedBody): string | undefined;
  /** Vendor's request id from response headers. */
  responseRequestId(headers: Record<string, string>): string | undefined;
  /** Render a refusal in the vendor's error shape, with headers that stop SDK retries (the request, when known, picks the shape). */
  errorResponse(refusal: Refusal, req?: VendorRequest): VendorResponse;
  /** Validate vendor-specific policy fields (unitPrices names, maxCallMinutes…); messages name the field. */
  validateEntry?(entry: EntryFields): string[];
}
