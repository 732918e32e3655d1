// A real Alertmanager (Debian's `prometheus-alertmanager`) for end-to-end
// tests. Its config is the shipped deploy/monitoring/alertmanager-snippet.yml
// merged into a minimal root, with the webhook URL, the token file and
// test-sized group timings swapped in: the e2e test proves the snippet itself.
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { startDaemon, type Daemon } from './daemon.ts';

export const DEPLOY_SNIPPET = fileURLToPath(new URL('../../deploy/monitoring/alertmanager-snippet.yml', import.meta.url));
export const DEPLOY_EXAMPLE = fileURLToPath(new URL('../../deploy/monitoring/alertmanager.yml', import.meta.url));

export interface AlertmanagerOptions {
  /** The proxy's receiver, e.g. `http://127.0.0.1:PORT/alertmanager`. */
  webhookUrl: string;
  /** File holding the bearer token (credentials_file). */
  credentialsFile: string;
  /** Default 1s (the snippet says 0s; kept short but non-zero so one notification carries a burst). */
  groupWait?: string;
  /** Default 1s. */
  groupInterval?: string;
  binary?: string;
}

export interface AmAlert {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface TestAlertmanager extends Daemon {
  /** `127.0.0.1:PORT`, for Prometheus' alerting config. */
  readonly hostPort: string;
  /** Post alerts straight to Alertmanager's API (as Prometheus would), e.g. for the kill-latency bench. */
  postAlerts(alerts: AmAlert[]): Promise<void>;
  /** Alerts Alertmanager holds. */
  alerts(): Promise<Array<AmAlert & { status: { state: string } }>>;
}

/** The snippet as shipped: a route list to put first under route.routes, and receivers. */
export interface KillSnippet {
  route: { routes: Array<Record<string, unknown>> };
  receivers: Array<{ name: string; webhook_configs?: Array<Record<string, unknown>> }>;
}

export async function readSnippet(): Promise<KillSnippet> {
  return parse(await fs.readFile(DEPLOY_SNIPPET, 'utf8')) as KillSnippet;
}

/** `base` with the snippet's routes first under route.routes and its receivers added, as the snippet's comment says. */
export function mergeSnippet(base: { route: Record<string, unknown>; receivers?: unknown[] }, snippet: KillSnippet): object {
  const routes = (base.route.routes as unknown[] | undefined) ?? [];
  return {
    ...base,
    route: { ...base.route, routes: [...snippet.route.routes, ...routes] },
    receivers: [...(base.receivers ?? []), ...snippet.receivers],
  };
}

export async function startAlertmanager(opts: AlertmanagerOptions): Promise<TestAlertmanager> {
  const config = testConfig(await readSnippet(), opts);
  const daemon = await startDaemon({
    name: 'alertmanager',
    binary: opts.binary ?? 'prometheus-alertmanager',
    async prepare(dir, port) {
      const file = path.join(dir, 'alertmanager.yml');
      await fs.writeFile(file, stringify(config));
      return [
        `--config.file=${file}`,
        `--storage.path=${path.join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        // Empty: no gossip listener, so no second port and no cluster settle wait.
        '--cluster.listen-address=',
        '--log.level=warn',
      ];
    },
  });
  return {
    ...daemon,
    hostPort: `127.0.0.1:${daemon.port}`,
    postAlerts: (alerts) => postAlerts(daemon.url, alerts),
    alerts: async () => (await fetch(`${daemon.url}/api/v2/alerts`)).json() as never,
  };
}

function testConfig(snippet: KillSnippet, opts: AlertmanagerOptions): object {
  const timings = { group_wait: opts.groupWait ?? '1s', group_interval: opts.groupInterval ?? '1s' };
  const patched: KillSnippet = {
    route: { routes: snippet.route.routes.map((r) => ({ ...r, ...timings })) },
    receivers: snippet.receivers.map((r) => ({
      ...r,
      webhook_configs: r.webhook_configs?.map((w) => ({
        ...w,
        url: opts.webhookUrl,
        http_config: { authorization: { type: 'Bearer', credentials_file: opts.credentialsFile } },
      })),
    })),
  };
  // Anything the snippet does not route goes nowhere.
  return mergeSnippet({ route: { receiver: 'blackhole', ...timings }, receivers: [{ name: 'blackhole' }] }, patched);
}

async function postAlerts(base: string, alerts: AmAlert[]): Promise<void> {
  const res = await fetch(`${base}/api/v2/alerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(alerts.map((a) => ({ labels: a.labels, annotations: a.annotations ?? {}, startsAt: new Date().toISOString() }))),
  });
  if (!res.ok) throw new Error(`alertmanager: POST /api/v2/alerts → ${res.status} ${await res.text()}`);
}
