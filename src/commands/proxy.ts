// `keybrake proxy`: run the data plane and admin API from a policy file and a CA on disk.
import fs from 'node:fs';
import pino from 'pino';
import { FilePolicySource, type PolicySource } from '../policy/source.ts';
import { getPack, listPacks } from '../vendors/registry.ts';
import { startProxy } from '../app/proxy.ts';
import { helpText, missingRequired, parseFlags, parseHostPort, type FlagSpec } from './flags.ts';

export const PROXY_FLAGS: FlagSpec[] = [
  { name: 'policy-source', env: 'KEYBRAKE_POLICY_SOURCE', help: 'file (--policy) or configmap (ConfigMap keybrake-policies in POD_NAMESPACE, watched through the API)', default: 'file' },
  { name: 'policy', env: 'KEYBRAKE_POLICY', help: 'EgressPolicy YAML file (one or more documents); reloaded on change (--policy-source file)' },
  { name: 'pod-labels-file', env: 'KEYBRAKE_POD_LABELS_FILE', help: 'downward-API labels file; selects the ConfigMap policies that apply to this pod (--policy-source configmap)' },
  { name: 'kubeconfig', env: 'KEYBRAKE_KUBECONFIG', help: 'kubeconfig file for --policy-source configmap (default: KUBECONFIG, else the in-cluster service account)' },
  { name: 'ca-cert', env: 'KEYBRAKE_CA_CERT', help: 'PEM CA certificate used to mint leaf certificates', required: true },
  { name: 'ca-key', env: 'KEYBRAKE_CA_KEY', help: 'PEM private key of that CA (only the sidecar holds it)', required: true },
  { name: 'secrets-dir', env: 'KEYBRAKE_SECRETS_DIR', help: 'directory laid out like Secret volumes: <name>/<key>', default: './secrets' },
  { name: 'state-dir', env: 'KEYBRAKE_STATE_DIR', help: 'kill state, SQLite ledger and audit, audit spool', default: './state' },
  { name: 'listen', env: 'KEYBRAKE_LISTEN', help: 'data-plane address (TLS, CONNECT)', default: '127.0.0.1:15001' },
  { name: 'admin-listen', env: 'KEYBRAKE_ADMIN_LISTEN', help: 'admin address (/kill /status /metrics …)', default: '127.0.0.1:15020' },
  { name: 'upstream', env: 'KEYBRAKE_UPSTREAM', help: 'HOST=https://ADDR:PORT: send a vendor host elsewhere (tests, demo)', multiple: true },
  { name: 'upstream-ca', env: 'KEYBRAKE_UPSTREAM_CA', help: 'extra PEM CA trusted for upstream TLS (tests, demo)' },
  { name: 'ledger', env: 'KEYBRAKE_LEDGER', help: 'spend ledger: sqlite (in --state-dir), memory, or redis://HOST:PORT', default: 'sqlite' },
  { name: 'audit', env: 'KEYBRAKE_AUDIT', help: 'audit store: sqlite (in --state-dir), postgres://…, or none (stdout only)', default: 'sqlite' },
  { name: 'max-body', env: 'KEYBRAKE_MAX_BODY', help: 'request body limit in bytes (413 above)', default: String(1024 * 1024) },
  { name: 'namespace', env: 'POD_NAMESPACE', help: 'namespace recorded in the audit (downward API)' },
  { name: 'pod', env: 'POD_NAME', help: 'pod name recorded in the audit and matched by Alertmanager kills' },
  { name: 'log-level', env: 'KEYBRAKE_LOG_LEVEL', help: 'pino log level', default: 'info' },
];

export function parseUpstreams(list: string[] | undefined): Map<string, string> {
  const map = new Map<string, string>();
  for (const item of list ?? []) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new Error(`--upstream expects HOST=URL, got "${item}"`);
    const url = new URL(item.slice(eq + 1));
    if (url.protocol !== 'https:') throw new Error(`--upstream ${item}: upstreams are always HTTPS`);
    map.set(item.slice(0, eq).toLowerCase(), url.origin);
  }
  return map;
}

async function policySourceFor(f: Record<string, unknown>, log: pino.Logger): Promise<PolicySource> {
  const vendors = listPacks().map((p) => p.id);
  if (f['policy-source'] === 'file') return new FilePolicySource(String(f.policy), getPack, log, vendors);
  if (f['policy-source'] !== 'configmap') throw new Error(`--policy-source must be file or configmap, got ${JSON.stringify(f['policy-source'])}`);
  const { configMapPolicySource } = await import('../k8s/sidecar-source.ts');
  return configMapPolicySource({
    namespace: f.namespace as string | undefined,
    labelsFile: f['pod-labels-file'] as string | undefined,
    kubeconfig: f.kubeconfig as string | undefined,
    stateDir: String(f['state-dir']),
    packs: getPack,
    vendors,
    log,
  });
}

export async function runProxyCommand(argv: string[]): Promise<number> {
  const usage = 'keybrake proxy (--policy FILE | --policy-source configmap --pod-labels-file FILE) --ca-cert FILE --ca-key FILE [options]';
  const f = parseFlags(argv, PROXY_FLAGS);
  if (f.help) return void process.stdout.write(helpText(usage, 'Run the egress enforcer: TLS termination, policy, caps, credential swap, audit.', PROXY_FLAGS)), 0;
  const missing = missingRequired(f, PROXY_FLAGS);
  if (f['policy-source'] === 'file' && !f.policy) missing.unshift('--policy'); // or --policy-source configmap
  if (missing.length) {
    process.stderr.write(`keybrake proxy: missing ${missing.join(', ')}\n\n${helpText(usage, '', PROXY_FLAGS)}`);
    return 2;
  }
  // Asynchronous stdout: a log line must not block the request path (SQLite/PostgreSQL hold the durable audit).
  const log = pino({ level: String(f['log-level']), base: { svc: 'keybrake' } }, pino.destination({ sync: false }));
  const proxy = await startProxy({
    policySource: await policySourceFor(f, log),
    caCertPem: fs.readFileSync(String(f['ca-cert']), 'utf8'),
    caKeyPem: fs.readFileSync(String(f['ca-key']), 'utf8'),
    secretsDir: String(f['secrets-dir']),
    stateDir: String(f['state-dir']),
    listen: parseHostPort(String(f.listen)),
    adminListen: parseHostPort(String(f['admin-listen'])),
    upstreams: parseUpstreams(f.upstream as string[] | undefined),
    upstreamCaPem: f['upstream-ca'] ? fs.readFileSync(String(f['upstream-ca']), 'utf8') : undefined,
    ledger: String(f.ledger),
    audit: String(f.audit),
    maxBodyBytes: Number(f['max-body']),
    namespace: f.namespace as string | undefined,
    pod: f.pod as string | undefined,
    log,
  });
  const stop = async () => {
    await proxy.close();
    log.flush(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  return new Promise<number>(() => {}); // runs until signalled
}
