// Prometheus metrics for one proxy process, served by the admin listener at
// /metrics. A private Registry (not prom-client's global one) so several
// proxies in one test process never share series.
//
// Label values are bounded by construction: vendors and policies come from
// the loaded policy, operations only from the catalogs of the vendor packs
// that policy uses (learned in policyLoaded), kill reasons from a fixed set. A path, a request id or a free-text reason never
// becomes a label value (each distinct value is a new series, kept forever).
//
// Money is exported in the currency's MAJOR units as a float (dollars, not
// cents): Prometheus' base-unit convention, and what a dashboard shows. The
// ledger keeps integer minor units; only this export divides.
//
// Under `--workers N` each worker keeps its own registry and a scrape of any
// worker answers for all of them (shareWithCluster): counters and histograms
// are summed across workers; gauges every worker reads from shared state (cap
// usage from the one ledger, the kill bit) take the maximum, the policy
// generation the minimum (a worker behind shows).
import { AggregatorRegistry, Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AuditSinkStats, Decision } from '../audit/record.ts';
import type { CompiledCap, CompiledPolicy, CompiledVendor } from '../policy/compiled.ts';
import type { KillSource } from '../kill/kill-switch.ts';
import { VERSION } from '../version.ts';
import { currencyCodeOf, currencyDecimals } from '../money/money.ts';

/** Every kill source, so a kill sets its own series to 1 and the others to 0. Typed so a new source cannot be forgotten. */
const KILL_SOURCES: Record<KillSource, true> = { api: true, alertmanager: true, policy: true, restart: true };

/** Label value for traffic that matched no vendor entry (refused or passthrough hosts). */
export const NO_VENDOR = 'none';
/** Label value for an operation outside the pack's catalog. */
export const UNKNOWN_OPERATION = 'unknown';

export interface RequestSample {
  /** Vendor pack id (`stripe`); '' for hosts no policy governs. */
  vendor: string;
  /** `Operation.id` from the pack; '' (not in the catalog) and anything outside the catalog count as `unknown`. */
  operation: string;
  decision: Decision;
  /** Policy name of the governing vendor entry. */
  policy?: string;
  /** Request body size as received from the agent. */
  bodyBytes: number;
  /** Time the upstream took to answer, when the call was forwarded. */
  upstreamSeconds?: number;
  /** From the request's arrival until keybrake answered it, whatever the decision. */
  totalSeconds?: number;
}

/** Certificates to report: the CA, and the leaves minted (governed vendor hosts only, so bounded). */
export interface CertificateExpiry {
  caNotAfter: Date;
  leaves: ReadonlyArray<{ host: string; notAfter: Date }>;
}

const GAUGES_NAMED_TOTAL = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

const SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
// 64 B … 1 MiB (the default body limit) in ×4 steps.
const BYTES_BUCKETS = [64, 256, 1024, 4096, 16384, 65536, 262144, 1048576];

export class ProxyMetrics {
  readonly registry = new Registry();

  readonly #requests = new Counter({
    name: 'keybrake_requests_total',
    help: 'Requests seen by the proxy, by vendor, policy, operation (catalog id or "unknown") and decision.',
    labelNames: ['vendor', 'policy', 'operation', 'decision'] as const,
    registers: [this.registry],
  });

  readonly #spend = new Counter({
    name: 'keybrake_spend_committed_total',
    help: 'Spend committed after a 2xx from the vendor, in MAJOR units of the currency (dollars, not cents).',
    labelNames: ['vendor', 'policy', 'currency'] as const,
    registers: [this.registry],
  });

  readonly #capUsage = new Gauge({
    name: 'keybrake_cap_usage_ratio',
    help: 'Used / limit for each cap (1 = exhausted), as of the last call charged to it.',
    labelNames: ['policy', 'vendor', 'cap'] as const,
    registers: [this.registry],
    aggregator: 'max',
    collect: () => this.#refreshCaps?.(),
  });

  readonly #upstreamSeconds = new Histogram({
    name: 'keybrake_upstream_duration_seconds',
    help: 'Time from forwarding a request upstream to its response headers.',
    labelNames: ['vendor'] as const,
    buckets: SECONDS_BUCKETS,
    registers: [this.registry],
  });

  readonly #requestSeconds = new Histogram({
    name: 'keybrake_request_duration_seconds',
    help: 'End to end: from the request arriving at keybrake until it was answered (refusals included).',
    labelNames: ['vendor', 'decision'] as const,
    buckets: SECONDS_BUCKETS,
    registers: [this.registry],
  });

  readonly #lastReload = new Gauge({
    name: 'keybrake_policy_last_reload_success_timestamp_seconds',
    help: 'Unix time the policy in force was loaded.',
    registers: [this.registry],
    aggregator: 'max',
  });

  readonly #bodyBytes = new Histogram({
    name: 'keybrake_request_body_bytes',
    help: 'Size of request bodies received from the agent.',
    labelNames: ['vendor'] as const,
    buckets: BYTES_BUCKETS,
    registers: [this.registry],
  });

  readonly #killed = new Gauge({
    name: 'keybrake_killed',
    help: '1 while the proxy is killed, on the series of what killed it (api, alertmanager, policy, restart); 0 otherwise.',
    labelNames: ['reason'] as const,
    registers: [this.registry],
    aggregator: 'max',
    collect: () => {
      if (this.#killSource) this.setKilled(this.#killSource());
    },
  });

  readonly #policyGeneration = new Gauge({
    name: 'keybrake_policy_generation',
    help: 'Generation of the policy in force; increments on every successful load.',
    registers: [this.registry],
    aggregator: 'min',
  });

  readonly #policyReloadErrors = new Counter({
    name: 'keybrake_policy_reload_errors_total',
    help: 'Policy loads refused (the last good policy stays in force).',
    registers: [this.registry],
  });

  readonly #ledgerErrors = new Counter({
    name: 'keybrake_ledger_errors_total',
    help: 'Ledger operations that failed (money-moving calls are refused while the ledger is unavailable).',
    registers: [this.registry],
  });

  #auditStats: () => Readonly<Record<string, AuditSinkStats>> = () => ({});
  #refreshCaps: (() => Promise<void>) | undefined;
  #killSource: (() => KillSource | undefined) | undefined;
  #certificates: (() => CertificateExpiry) | undefined;
  /** Cap-usage series set so far, so a reload can drop caps that no longer exist. */
  readonly #capSeries = new Map<string, { policy: string; vendor: string; cap: string }>();
  /** Operation ids per vendor id, from the packs of every policy loaded (packs are code: they never shrink). */
  readonly #catalogs = new Map<string, ReadonlySet<string>>();

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    // prom-client names these gauges `_total`, which promtool (and every tool that
    // takes `_total` to mean a counter) rejects; the process_* metrics cover the rest.
    for (const name of GAUGES_NAMED_TOTAL) this.registry.removeSingleMetric(name);
    new Gauge({
      name: 'keybrake_build_info',
      help: 'Always 1; the running keybrake version as a label.',
      labelNames: ['version'] as const,
      registers: [this.registry],
      aggregator: 'first',
    }).set({ version: VERSION }, 1);
    this.#registerAuditGauges();
    this.#registerCertificateGauge();
    this.setKilled(undefined);
    this.#policyGeneration.set(0);
    // Zero-valued counters from the start, so rate()/increase() see the first error.
    this.#policyReloadErrors.inc(0);
    this.#ledgerErrors.inc(0);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  metricsText(): Promise<string> {
    return this.registry.metrics();
  }

  recordRequest(sample: RequestSample): void {
    const vendor = sample.vendor || NO_VENDOR;
    const catalog = this.#catalogs.get(sample.vendor);
    const operation = catalog?.has(sample.operation) ? sample.operation : UNKNOWN_OPERATION;
    const policy = sample.policy ?? '';
    // Label children are cached: label sets are bounded, and resolving them per call is the hot cost.
    const key = `${vendor}\0${policy}\0${operation}\0${sample.decision}`;
    let counter = this.#requestChildren.get(key);
    if (!counter) this.#requestChildren.set(key, (counter = this.#requests.labels(vendor, policy, operation, sample.decision)));
    counter.inc();
    let perVendor = this.#vendorChildren.get(vendor);
    if (!perVendor) {
      perVendor = { body: this.#bodyBytes.labels(vendor), upstream: this.#upstreamSeconds.labels(vendor) };
      this.#vendorChildren.set(vendor, perVendor);
    }
    perVendor.body.observe(sample.bodyBytes);
    if (sample.upstreamSeconds !== undefined) perVendor.upstream.observe(sample.upstreamSeconds);
    if (sample.totalSeconds !== undefined) {
      const key = `${vendor}\0${sample.decision}`;
      let seconds = this.#secondsChildren.get(key);
      if (!seconds) this.#secondsChildren.set(key, (seconds = this.#requestSeconds.labels(vendor, sample.decision)));
      seconds.observe(sample.totalSeconds);
    }
  }

  readonly #secondsChildren = new Map<string, { observe(v: number): void }>();

  readonly #requestChildren = new Map<string, { inc(): void }>();
  readonly #vendorChildren = new Map<string, { body: { observe(v: number): void }; upstream: { observe(v: number): void } }>();

  /** A committed charge of `minor` integer minor units of `currency`, exported in major units. */
  recordSpend(vendor: string, policy: string, currency: string, minor: number): void {
    if (!Number.isSafeInteger(minor) || minor <= 0) return;
    // The vendor accepted the charge, so the code is real; the check only keeps the label bounded.
    const code = currencyCodeOf(currency);
    this.#spend.inc({ vendor, policy, currency: code ?? 'unknown' }, minor / 10 ** (code ? currencyDecimals(code) : 2));
  }

  /** `used` is in the cap's own unit: minor units of its currency, or a count. */
  setCapUsage(vendor: CompiledVendor, cap: CompiledCap, used: number): void {
    const limit = cap.limit.kind === 'spend' ? cap.limit.amount : cap.limit.count;
    const labels = { policy: vendor.policyName, vendor: vendor.pack.id, cap: cap.name };
    this.#capSeries.set(seriesKey(labels), labels);
    // A zero limit is exhausted from the start.
    this.#capUsage.set(labels, limit > 0 ? used / limit : 1);
  }

  /** `source` undefined = alive. The free-text reason stays in /status and the audit, never in a label. */
  setKilled(source: KillSource | undefined): void {
    for (const s of Object.keys(KILL_SOURCES) as KillSource[]) this.#killed.set({ reason: s }, s === source ? 1 : 0);
  }

  /**
   * A policy came into force: its generation; spend series at 0 for every
   * spend cap's currency (rate() cannot count the first charge of a series
   * that appears already non-zero); cap series of removed caps dropped.
   */
  policyLoaded(policy: CompiledPolicy): void {
    this.#policyGeneration.set(policy.generation);
    this.#lastReload.set(Date.now() / 1000);
    const live = new Set<string>();
    for (const v of new Set(policy.byHost.values())) {
      if (!this.#catalogs.has(v.pack.id)) this.#catalogs.set(v.pack.id, new Set(v.pack.operations.map((o) => o.id)));
      for (const cap of v.caps) {
        live.add(seriesKey({ policy: v.policyName, vendor: v.pack.id, cap: cap.name }));
        if (cap.limit.kind === 'spend') this.#spend.inc({ vendor: v.pack.id, policy: v.policyName, currency: cap.limit.currency }, 0);
      }
    }
    for (const [key, labels] of this.#capSeries) {
      if (live.has(key)) continue;
      this.#capUsage.remove(labels);
      this.#capSeries.delete(key);
    }
  }

  policyReloadFailed(): void {
    this.#policyReloadErrors.inc();
  }

  ledgerError(): void {
    this.#ledgerErrors.inc();
  }

  /** Cap usage, read from the ledger on every scrape (setCapUsage per cap), not per request. */
  watchCaps(refresh: () => Promise<void>): void {
    this.#refreshCaps = refresh;
  }

  /** What killed the proxy (undefined: alive), read on every scrape. */
  watchKill(source: () => KillSource | undefined): void {
    this.#killSource = source;
  }

  /**
   * In a `--workers N` worker: answer the primary's requests for this registry,
   * so that clusterMetrics() on any worker aggregates every worker's.
   */
  shareWithCluster(): void {
    AggregatorRegistry.setRegistries([this.registry]);
    new AggregatorRegistry(); // installs the worker's listener for the primary's requests
  }

  /** Audit stats by sink name, read on every scrape: nothing is pushed from the request path. */
  watchAudit(stats: () => Readonly<Record<string, AuditSinkStats>>): void {
    this.#auditStats = stats;
  }

  /** Certificates to report, read on every scrape. */
  watchCertificates(expiry: () => CertificateExpiry): void {
    this.#certificates = expiry;
  }

  #registerAuditGauges(): void {
    const sinks = (): Array<[string, AuditSinkStats]> => Object.entries(this.#auditStats());
    const registers = [this.registry];
    new Gauge({
      name: 'keybrake_audit_queue_depth',
      help: 'Audit records waiting in the in-memory queue of each sink.',
      labelNames: ['sink'] as const,
      registers,
      collect() {
        this.reset();
        for (const [sink, stats] of sinks()) this.set({ sink }, stats.queued);
      },
    });
    // Counters owned by the sinks: each scrape copies their running totals.
    const counters: Array<[name: string, help: string, read: (s: AuditSinkStats) => number]> = [
      ['keybrake_audit_dropped_total', 'Audit records dropped because the queue was full.', (s) => s.dropped],
      ['keybrake_audit_spooled_total', 'Audit records written to the durable spool while the store was unreachable.', (s) => s.spooled],
      ['keybrake_audit_errors_total', 'Audit write errors.', (s) => s.errors],
    ];
    for (const [name, help, read] of counters) {
      new Counter({
        name,
        help,
        labelNames: ['sink'] as const,
        registers,
        collect() {
          this.reset();
          for (const [sink, stats] of sinks()) this.inc({ sink }, read(stats));
        },
      });
    }
  }

  #registerCertificateGauge(): void {
    const expiry = (): CertificateExpiry | undefined => this.#certificates?.();
    new Gauge({
      name: 'keybrake_certificate_expiry_timestamp_seconds',
      help: 'notAfter of the CA (kind="ca") and of each minted leaf (kind="leaf", host) as a Unix time.',
      labelNames: ['kind', 'host'] as const,
      registers: [this.registry],
      aggregator: 'min',
      collect() {
        this.reset();
        const certs = expiry();
        if (!certs) return;
        this.set({ kind: 'ca', host: '' }, unixSeconds(certs.caNotAfter));
        for (const leaf of certs.leaves) this.set({ kind: 'leaf', host: leaf.host }, unixSeconds(leaf.notAfter));
      },
    });
  }
}

function unixSeconds(d: Date): number {
  return Math.floor(d.getTime() / 1000);
}

function seriesKey(labels: { policy: string; vendor: string; cap: string }): string {
  return JSON.stringify([labels.policy, labels.vendor, labels.cap]);
}
