// A real Prometheus (Debian's `prometheus`) for end-to-end tests: scrapes the
// given targets every second, evaluates the given rule files every second and
// sends alerts to the given Alertmanager; startPrometheus() resolves once it
// scrapes every target and knows the Alertmanager. rulesFromDeploy() copies the shipped
// rules with test-sized thresholds, so the e2e test exercises the real rules.
import { waitFor } from './wait.ts';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { startDaemon, type Daemon } from './daemon.ts';

export const DEPLOY_RULES = fileURLToPath(new URL('../../deploy/monitoring/keybrake-rules.yml', import.meta.url));

export interface PrometheusOptions {
  /** `host:port` of each /metrics endpoint to scrape (job `keybrake`). */
  targets: string[];
  /** Absolute paths of rule files. */
  ruleFiles?: string[];
  /** `host:port` of an Alertmanager to send alerts to. */
  alertmanager?: string;
  /** Extra labels on every scraped series, as Kubernetes relabeling would add (`namespace`, `pod`). */
  targetLabels?: Record<string, string>;
  binary?: string;
}

export interface PromSample {
  metric: Record<string, string>;
  value: number;
}

export interface PromAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: 'pending' | 'firing' | 'inactive';
  activeAt?: string;
}

export interface TestPrometheus extends Daemon {
  /** Instant query; throws on a PromQL error. */
  query(expr: string): Promise<PromSample[]>;
  /** Alerts Prometheus holds (pending and firing). */
  alerts(): Promise<PromAlert[]>;
}

export async function startPrometheus(opts: PrometheusOptions): Promise<TestPrometheus> {
  const daemon = await startDaemon({
    name: 'prometheus',
    binary: opts.binary ?? 'prometheus',
    async prepare(dir, port) {
      const config = path.join(dir, 'prometheus.yml');
      await fs.writeFile(config, stringify(prometheusConfig(opts)));
      return [
        `--config.file=${config}`,
        `--storage.tsdb.path=${path.join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        // Re-send firing alerts every second (default 1m), so a restarted Alertmanager hears at once.
        '--rules.alert.resend-delay=1s',
        '--log.level=warn',
      ];
    },
  });
  try {
    await untilDiscovered(daemon.url, opts);
  } catch (err) {
    await daemon.stop();
    throw err;
  }
  return { ...daemon, query: (expr) => query(daemon.url, expr), alerts: () => alerts(daemon.url) };
}

/**
 * Prometheus applies discovered targets in 5 s batches: wait until every target
 * has been scraped and the Alertmanager is known, so a test's clock starts on a
 * Prometheus that is already watching.
 */
async function untilDiscovered(base: string, opts: PrometheusOptions, timeoutMs = 20_000): Promise<void> {
  let last = '';
  await waitFor(
    async () => {
      const targets = await api<{ activeTargets: Array<{ health: string; scrapeUrl: string; lastError: string }> }>(`${base}/api/v1/targets`);
      const up = targets.activeTargets.filter((t) => t.health === 'up').length;
      const ams = opts.alertmanager ? (await api<{ activeAlertmanagers: unknown[] }>(`${base}/api/v1/alertmanagers`)).activeAlertmanagers.length : 1;
      last = JSON.stringify({ targets: targets.activeTargets, alertmanagers: ams });
      return up === opts.targets.length && ams > 0;
    },
    { timeoutMs, everyMs: 100, what: () => `prometheus: every target up and an alertmanager known: ${last}` },
  );
}

function prometheusConfig(opts: PrometheusOptions): object {
  return {
    global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
    rule_files: opts.ruleFiles ?? [],
    scrape_configs: [
      {
        job_name: 'keybrake',
        metrics_path: '/metrics',
        static_configs: [{ targets: opts.targets, labels: opts.targetLabels ?? {} }],
      },
    ],
    ...(opts.alertmanager && {
      alerting: { alertmanagers: [{ api_version: 'v2', static_configs: [{ targets: [opts.alertmanager] }] }] },
    }),
  };
}

export interface RuleOverride {
  /** Replaces the number after the final `>` of the rule's expression. */
  threshold?: number;
  /** Replaces the rule's `for:` (e.g. `0s`). */
  for?: string;
}

/**
 * Writes into `dir` a copy of deploy/monitoring/keybrake-rules.yml holding only
 * the named alerts, with their overrides applied; returns its path.
 */
export async function rulesFromDeploy(dir: string, overrides: Record<string, RuleOverride>): Promise<string> {
  const doc = parse(await fs.readFile(DEPLOY_RULES, 'utf8')) as { groups: Array<{ name: string; rules: RuleDoc[] }> };
  const picked: RuleDoc[] = [];
  for (const group of doc.groups) {
    for (const rule of group.rules) {
      const o = Object.hasOwn(overrides, rule.alert) ? overrides[rule.alert] : undefined;
      if (o) picked.push(override(rule, o));
    }
  }
  const missing = Object.keys(overrides).filter((name) => !picked.some((r) => r.alert === name));
  if (missing.length) throw new Error(`no such alert in ${DEPLOY_RULES}: ${missing.join(', ')}`);
  const file = path.join(dir, 'keybrake-rules.yml');
  await fs.writeFile(file, stringify({ groups: [{ name: 'keybrake', rules: picked }] }));
  return file;
}

interface RuleDoc {
  alert: string;
  expr: string;
  for?: string;
  [key: string]: unknown;
}

function override(rule: RuleDoc, o: RuleOverride): RuleDoc {
  const out = { ...rule };
  if (o.threshold !== undefined) {
    const expr = rule.expr.replace(/>\s*[0-9.e+]+\s*$/, `> ${o.threshold}`);
    if (expr === rule.expr) throw new Error(`alert ${rule.alert}: expression does not end in "> N": ${rule.expr}`);
    out.expr = expr;
  }
  if (o.for !== undefined) out.for = o.for;
  return out;
}

async function api<T>(url: string): Promise<T> {
  const res = await fetch(url);
  const body = (await res.json()) as { status: string; data: T; error?: string };
  if (body.status !== 'success') throw new Error(`prometheus: ${body.error ?? res.status}`);
  return body.data;
}

async function query(base: string, expr: string): Promise<PromSample[]> {
  const data = await api<{ result: Array<{ metric: Record<string, string>; value: [number, string] }> }>(
    `${base}/api/v1/query?query=${encodeURIComponent(expr)}`,
  );
  return data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
}

async function alerts(base: string): Promise<PromAlert[]> {
  return (await api<{ alerts: PromAlert[] }>(`${base}/api/v1/alerts`)).alerts;
}
