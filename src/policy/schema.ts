// The EgressPolicy schema: one shape for the local policy file and the CRD.
// Field names are a contract with users (see docs/architecture.md); add, never rename.

export const API_VERSION = 'keybrake.dev/v1alpha1';
export const KIND = 'EgressPolicy';

export type Enforcement = 'enforce' | 'dryrun';

/** Constraint on one field of the parsed body (dotted path) or a header (`header:Stripe-Account`). */
export interface FieldConstraint {
  max?: number;
  min?: number;
  in?: Array<string | number>;
  notIn?: Array<string | number>;
  present?: boolean;
  /** JavaScript regular expression, anchored by the author if they want it anchored. */
  matches?: string;
}

export interface Rule {
  name: string;
  /**
   * Operation ids of the rule's vendor (`refunds.create`), or for operations the
   * pack does not know, `METHOD /path` where `*` matches one path segment and a
   * trailing `**` matches the rest (`GET /v1/climate/**`).
   */
  allow: string[];
  /** Keys: dotted body paths (`metadata.ticket_id`) or `header:Name` for request headers. */
  where?: Record<string, FieldConstraint>;
  /** CEL over `request.body`, `request.headers` (lowercase names), `request.path`, `request.method`. */
  cel?: string;
}

/** A decimal amount in major units as a string ("500.00") and a lowercase ISO currency. */
export interface Money {
  amount: string;
  currency: string;
}

export interface Cap {
  /** Optional stable name, used in messages and metrics; defaults to `<window> <vendor> spend|requests`. */
  name?: string;
  /** Rolling duration (`1m`, `1h`, `24h`, `7d`) or calendar period (`day`, `week`, `month`). */
  window: string;
  /** IANA zone for calendar windows; default UTC. */
  timeZone?: string;
  maxSpend?: Money;
  maxRequests?: number;
  /** A count of vendor units (`recipients`, `emails`, `segments`, `messages`) per window. */
  maxUnits?: { count: number; unit: string };
  /** Only these operation ids count against the cap; default all operations of the vendor. */
  operations?: string[];
  /** Who the cap is per: the real credential (default) or the agent run id. */
  per?: 'key' | 'run';
}

export interface LoopBrake {
  maxIdentical: number;
  /** Duration (`60s`, `5m`). */
  within: string;
}

export interface AgentKey {
  id: string;
  /** Lowercase hex SHA-256 of the whole agent key string (`kb_…`). */
  sha256: string;
}

export interface SecretRef {
  name: string;
  key: string;
}

/**
 * Unit prices for vendors that charge per message/email/minute. Keys are
 * vendor-defined price names (`sms`, `mms`, `call_minute`, `email`), values a
 * decimal amount in `currency`; `byCountry` overrides per destination prefix.
 */
export interface UnitPrices {
  currency: string;
  default?: Record<string, string>;
  byCountry?: Record<string, Record<string, string>>;
}

export interface VendorEntry {
  vendor: string;
  credential: { secretRef: SecretRef };
  agentKeys: AgentKey[];
  caps?: Cap[];
  /** Units of the cap currency per one unit of the key currency: `{eur: "1.08"}`. */
  fx?: Record<string, string>;
  loopBrake?: LoopBrake;
  rules?: Rule[];
  unitPrices?: UnitPrices;
  /** Twilio: minutes assumed for a call without TimeLimit; without it such calls are refused. */
  maxCallMinutes?: number;
  /** Overrides the pack's hosts (rarely needed: regional hosts). */
  hosts?: string[];
  /** Shopify: the shops this entry governs (`acme.myshopify.com`); any other shop is refused. */
  shops?: string[];
  /** Shopify: the shop's currency (lowercase ISO), what amounts without a currency code are in. */
  shopCurrency?: string;
}

export interface PolicySpec {
  selector?: { matchLabels?: Record<string, string> };
  enforcement?: Enforcement;
  killed?: boolean;
  /** Hosts tunnelled untouched (no TLS termination), after SSRF checks. */
  passthrough?: string[];
  /** Allow passthrough to private/loopback/link-local addresses (tests, in-cluster services). */
  allowPrivatePassthrough?: boolean;
  vendors: VendorEntry[];
}

export interface PolicyMetadata {
  name: string;
  namespace?: string;
  generation?: number;
  annotations?: Record<string, string>;
  labels?: Record<string, string>;
}

export interface EgressPolicy {
  apiVersion: typeof API_VERSION;
  kind: typeof KIND;
  metadata: PolicyMetadata;
  spec: PolicySpec;
}

/** The annotation that names a policy's use case in the audit. */
export const USE_CASE_ANNOTATION = 'keybrake.dev/use-case';
