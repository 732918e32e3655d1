// Every refusal keybrake answers, in one place: the HTTP status, the
// `keybrake_*` code and the message template. The agent reading a refusal is
// often an LLM, so each message says what was refused and what to do next.
// Statuses are ones the vendor SDKs do not retry (never 409 or 5xx for a
// policy decision; 502 only when the outcome upstream is unknown).
//
// A vendor pack turns a Refusal into the vendor's own error shape.

export interface Refusal {
  /** HTTP status chosen so the vendor SDK does not retry (Stripe: 402/403, never 409/5xx). */
  status: number;
  /** `keybrake_*` code. */
  code: string;
  /** Says which rule or cap and the numbers, and what to do: the agent is often an LLM. */
  message: string;
  /** Offending parameter, when there is one. */
  param?: string;
}

interface Entry<P extends unknown[]> {
  readonly status: number;
  readonly code: `keybrake_${string}`;
  readonly message: (...params: P) => string;
}

function entry<P extends unknown[]>(status: number, code: `keybrake_${string}`, message: (...params: P) => string): Entry<P> {
  return { status, code, message };
}

export const REFUSALS = {
  // Before any policy decision: the proxy is off or cannot judge the call.
  killed: entry(
    403,
    'keybrake_killed',
    (k: { since?: string; reason?: string }) =>
      `keybrake kill switch is on since ${k.since ?? 'startup'}: ${k.reason ?? 'no reason given'}. ` +
      'No call is forwarded until an operator revives it; stop retrying.',
  ),
  noPolicy: entry(403, 'keybrake_no_policy', (why: string) => `keybrake refuses every call: ${why}. Nothing is forwarded until a policy loads; stop retrying.`),
  hostNotGoverned: entry(
    403,
    'keybrake_host_not_governed',
    (host: string) => `${host} is no longer governed by the policy in force, so the call was not forwarded. Ask an operator to add it to the EgressPolicy.`,
  ),
  internalError: entry(403, 'keybrake_internal_error', () => 'keybrake failed to evaluate this call, so it was not forwarded.'),

  // Reading the request.
  hostMismatch: entry(
    403,
    'keybrake_host_mismatch',
    (hostHeader: string, host: string) => `Host header "${hostHeader}" does not match the TLS server name ${host}.`,
  ),
  methodOverride: entry(
    400,
    'keybrake_method_override',
    (header: string, method: string) =>
      `The ${header} header is refused: keybrake judges the method on the request line (${method}). Send the real method instead.`,
  ),
  compressedBody: entry(
    415,
    'keybrake_compressed_body',
    (encoding: string) => `Compressed request bodies (${encoding}) are refused: keybrake must read the body to enforce policy. Send it uncompressed.`,
  ),
  incompleteBody: entry(400, 'keybrake_incomplete_body', () => 'The request body ended early; a partial body is never evaluated.'),
  bodyTooLarge: entry(
    413,
    'keybrake_body_too_large',
    (maxBody: number) => `The request body is over keybrake's limit of ${maxBody} bytes, so it was not forwarded.`,
  ),
  /** The shared body budget is spent (the one 503: the SDK may retry, and a retry may well pass). */
  busy: entry(
    503,
    'keybrake_busy',
    () => 'keybrake is holding too many request bodies at once (--max-buffered-bytes); the call was not forwarded. Retry shortly.',
  ),
  /** The pack's parser says what is ambiguous or malformed. */
  unparseableBody: entry(400, 'keybrake_unparseable_body', (why: string) => why),

  // The agent's key and the real credential.
  missingAgentKey: entry(
    401,
    'keybrake_missing_agent_key',
    () => 'No keybrake agent key was presented. Send the kb_… key you were given, in place of the vendor API key.',
  ),
  vendorKeyRefused: entry(
    401,
    'keybrake_vendor_key_refused',
    () => 'The key presented is not a keybrake agent key. Real vendor keys are never accepted through keybrake; use your kb_… agent key.',
  ),
  invalidAgentKey: entry(
    401,
    'keybrake_invalid_agent_key',
    (policy: string) => `The keybrake agent key presented is not listed in policy ${policy} (unknown or revoked).`,
  ),
  credentialUnavailable: entry(
    403,
    'keybrake_credential_unavailable',
    (vendor: string, policy: string) => `keybrake has no credential for ${vendor} in policy ${policy}; an operator must fix the Secret.`,
  ),
  credentialInvalid: entry(
    403,
    'keybrake_credential_invalid',
    (vendor: string, why = 'is empty or malformed') => `the ${vendor} credential configured for this sidecar ${why}; an operator must fix the Secret`,
  ),
  accountMismatch: entry(
    403,
    'keybrake_account_mismatch',
    (named: string, governed: string) => `the path names ${named}, but keybrake governs account ${governed}; use that Account SID`,
  ),

  // Policy decisions (enforcement: dryrun records these instead of refusing).
  /** The rule engine's verdict names the rule, the field and the numbers. */
  ruleDenied: entry(403, 'keybrake_rule_denied', (verdict: string) => verdict),
  /** Fail closed, never waived by dryrun: the rules could not be judged in bounded time. */
  celBudget: entry(
    403,
    'keybrake_cel_budget',
    (budget: number) =>
      `Evaluating the policy's CEL expressions for this request exceeded the cost budget (${budget} list and map element visits), so it was refused. ` +
      'Send fewer list elements, or ask for a rule that does not iterate them in nested loops.',
  ),
  loopBrake: entry(
    402,
    'keybrake_loop_brake',
    (b: { count: number; operation: string; within: string; max: number }) =>
      `loop brake: ${b.count} identical ${b.operation} calls (same amount, currency and recipient) within ${b.within} ` +
      `(at most ${b.max} allowed). The agent may be repeating itself: check whether the earlier calls already ` +
      `succeeded before sending another, or wait ${b.within}.`,
  ),
  costUnknown: entry(
    402,
    'keybrake_cost_unknown',
    (operation: string, why: string) => `keybrake cannot tell what ${operation} costs, so it was not forwarded: ${why}`,
  ),
  capExceeded: entry(
    402,
    'keybrake_cap_exceeded',
    (numbers: string, operation: string, window: string) =>
      `${numbers}. ${operation} was not forwarded; do not retry it until the ${window} window frees up, ` +
      'or ask an operator to raise the cap in the EgressPolicy.',
  ),
  currencyUnconvertible: entry(
    402,
    'keybrake_currency_unconvertible',
    (c: { cap: string; capCurrency: string; currency: string; reason: string }) =>
      `cap ${c.cap} counts ${c.capCurrency}, and this ${c.currency} amount cannot be converted: ${c.reason}. ` +
      `Charge in ${c.capCurrency}, or ask an operator to add the currency to fx in the EgressPolicy.`,
  ),
  ledgerUnavailable: entry(
    403,
    'keybrake_ledger_unavailable',
    (ledger: string, operation: string) =>
      `keybrake's spend ledger (${ledger}) is unavailable, so the spend of ${operation} ` +
      'cannot be counted and the call was not forwarded. Nothing was charged; retry later.',
  ),

  // After forwarding.
  upstreamError: entry(
    502,
    'keybrake_upstream_error',
    (host: string, why: string) => `keybrake could not complete the call to ${host}: ${why}. The outcome is unknown; check before retrying.`,
  ),
} as const;

export type RefusalKind = keyof typeof REFUSALS;
export type RefusalCode = (typeof REFUSALS)[RefusalKind]['code'];
type Params<K extends RefusalKind> = Parameters<(typeof REFUSALS)[K]['message']>;

/** The catalog's refusal of `kind`, its message filled in. */
export function refuse<K extends RefusalKind>(kind: K, ...params: Params<K>): Refusal {
  const e = REFUSALS[kind] as Entry<Params<K>>;
  return { status: e.status, code: e.code, message: e.message(...params) };
}

/** The same, naming the offending parameter. */
export function refuseParam<K extends RefusalKind>(param: string | undefined, kind: K, ...params: Params<K>): Refusal {
  const r = refuse(kind, ...params);
  return param === undefined || param === '' ? r : { ...r, param };
}

export function isRefusal(refusal: Refusal | undefined, kind: RefusalKind): boolean {
  return refusal?.code === REFUSALS[kind].code;
}
