// `keybrake proxy`: run the data plane and admin API from a policy file and a
// CA on disk. Everything the configuration asks for starts, or the process
// exits non-zero naming the flag: a half-started proxy would forward money
// with no kill switch of its own.
import cluster from 'node:cluster';
import fs from 'node:fs';
import type { Logger } from 'pino';
import type { ProxyOptions } from '../app/proxy.ts';
import { runCommand, type CommandSpec, type FlagSpec, type ParsedFlags } from './flags.ts';
import { ensureWritableDir, readFlagFile } from './files.ts';
import { ConfigError } from './usage.ts';
import { createLogger, LOG_LEVELS } from './logger.ts';
import { startupError } from './startup-errors.ts';
import { handleSignals } from './signals.ts';
import { LIMIT_FLAGS, parseConnectionLimits } from './limit-flags.ts';

export const DEFAULT_LISTEN = '127.0.0.1:17001';
export const DEFAULT_ADMIN_LISTEN = '127.0.0.1:17020';

export const PROXY_FLAGS: FlagSpec[] = [
  {
    name: 'policy-source',
    type: 'choice',
    choices: ['file', 'configmap'],
    env: 'KEYBRAKE_POLICY_SOURCE',
    help: 'file (--policy) or configmap (ConfigMap keybrake-policies in POD_NAMESPACE, watched through the API)',
    default: 'file',
  },
  {
    name: 'policy',
    env: 'KEYBRAKE_POLICY',
    help: 'EgressPolicy YAML file (one or more documents); reloaded on change (--policy-source file)',
    value: 'FILE',
    required: true,
    requiredUnless: { flag: 'policy-source', value: 'configmap' },
  },
  {
    name: 'pod-labels-file',
    env: 'KEYBRAKE_POD_LABELS_FILE',
    help: 'downward-API labels file; selects the ConfigMap policies that apply to this pod (--policy-source configmap)',
    value: 'FILE',
  },
  {
    name: 'kubeconfig',
    env: 'KEYBRAKE_KUBECONFIG',
    help: 'kubeconfig file for --policy-source configmap (default: KUBECONFIG, else the in-cluster service account)',
    value: 'FILE',
  },
  { name: 'ca-cert', env: 'KEYBRAKE_CA_CERT', help: 'PEM CA certificate used to mint leaf certificates', required: true, value: 'FILE' },
  { name: 'ca-key', env: 'KEYBRAKE_CA_KEY', help: 'PEM private key of that CA (only the sidecar holds it)', required: true, value: 'FILE' },
  { name: 'secrets-dir', env: 'KEYBRAKE_SECRETS_DIR', help: 'directory laid out like Secret volumes: <name>/<key>', default: './secrets', value: 'DIR' },
  { name: 'state-dir', env: 'KEYBRAKE_STATE_DIR', help: 'kill state, SQLite ledger and audit, audit spool', default: './state', value: 'DIR' },
  { name: 'listen', type: 'address', env: 'KEYBRAKE_LISTEN', help: 'data-plane address (TLS, CONNECT)', default: DEFAULT_LISTEN },
  { name: 'admin-listen', type: 'address', env: 'KEYBRAKE_ADMIN_LISTEN', help: 'admin address (/kill /status /metrics …)', default: DEFAULT_ADMIN_LISTEN },
  { name: 'upstream', env: 'KEYBRAKE_UPSTREAM', help: 'HOST=https://ADDR:PORT: send a vendor host elsewhere (tests, demo)', multiple: true, value: 'HOST=URL' },
  { name: 'upstream-ca', env: 'KEYBRAKE_UPSTREAM_CA', help: 'extra PEM CA trusted for upstream TLS (tests, demo)', value: 'FILE' },
  { name: 'ledger', env: 'KEYBRAKE_LEDGER', help: 'spend ledger: sqlite (in --state-dir), memory, or redis://HOST:PORT', default: 'sqlite', value: 'KIND|URL' },
  {
    name: 'audit',
    env: 'KEYBRAKE_AUDIT',
    help: 'audit store: sqlite (in --state-dir), postgres://…, or none (stdout only)',
    default: 'sqlite',
    value: 'KIND|URL',
  },
  { name: 'max-body', type: 'size', env: 'KEYBRAKE_MAX_BODY', help: 'request body limit (413 above): bytes, or 1MiB, 1MB, 512KiB', default: '1MiB' },
  {
    name: 'drain-timeout',
    type: 'duration',
    env: 'KEYBRAKE_DRAIN_TIMEOUT',
    help: "on SIGTERM, how long in-flight calls may finish (keep it below the pod's terminationGracePeriodSeconds)",
    default: '25s',
  },
  { name: 'namespace', env: 'POD_NAMESPACE', help: 'namespace recorded in the audit (downward API)' },
  { name: 'pod', env: 'POD_NAME', help: 'pod name recorded in the audit and matched by Alertmanager kills' },
  {
    name: 'ca-bundle-out',
    env: 'KEYBRAKE_CA_BUNDLE_OUT',
    help: 'write the system roots plus the CA (--ca-cert) here at start, for agents to trust',
    value: 'FILE',
  },
  {
    name: 'ca-bundle-extra',
    env: 'KEYBRAKE_CA_BUNDLE_EXTRA',
    help: "PEM added to that bundle: the mesh CA's issuer when --ca-cert is an intermediate",
    value: 'FILE',
  },
  {
    name: 'shutdown-token-out',
    env: 'KEYBRAKE_SHUTDOWN_TOKEN_OUT',
    help: 'enable POST /shutdown and write its token here (container-mode sidecars of Jobs)',
    value: 'FILE',
  },
  {
    name: 'workers',
    type: 'integer',
    env: 'KEYBRAKE_WORKERS',
    help: 'proxy processes sharing the ports, the kill switch and the ledger (sqlite or redis://; not memory)',
    default: '1',
    value: 'N',
  },
  { name: 'log-level', type: 'choice', choices: LOG_LEVELS, env: 'KEYBRAKE_LOG_LEVEL', help: 'log level', default: 'info' },
  ...LIMIT_FLAGS,
];

export const PROXY_COMMAND: CommandSpec = {
  command: 'keybrake proxy',
  usage: 'keybrake proxy (--policy FILE | --policy-source configmap --pod-labels-file FILE) --ca-cert FILE --ca-key FILE [options]',
  summary: 'Run the egress enforcer: TLS termination, policy, caps, credential swap, audit, kill switch.',
  flags: PROXY_FLAGS,
  footer:
    'Signals: SIGTERM or SIGINT stops accepting, turns /readyz not-ready, lets in-flight calls finish within\n' +
    '--drain-timeout, then flushes the audit and the ledger. A second signal exits at once.',
};

export function parseUpstreams(list: string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const item of list) {
    const eq = item.indexOf('=');
    let url: URL | undefined;
    try {
      url = eq > 0 ? new URL(item.slice(eq + 1)) : undefined;
    } catch {
      url = undefined;
    }
    if (!url) throw new ConfigError(`--upstream ${JSON.stringify(item)}: expected HOST=https://ADDR:PORT`);
    if (url.protocol !== 'https:') throw new ConfigError(`--upstream ${JSON.stringify(item)}: upstreams are always HTTPS`);
    map.set(item.slice(0, eq).toLowerCase(), url.origin);
  }
  return map;
}

export function runProxyCommand(argv: string[]): Promise<number> {
  return runCommand(PROXY_COMMAND, argv, (f) => serve(f));
}

async function serve(f: ParsedFlags): Promise<number> {
  const workers = f.number('workers') ?? 1;
  if (workers < 1 || workers > 64) throw new ConfigError(`--workers ${workers}: give a number of processes from 1 to 64`);
  if (workers > 1 && f.need('ledger') === 'memory') {
    throw new ConfigError(
      `--workers ${workers} needs a ledger every worker shares: sqlite (the default) or redis://HOST:PORT; --ledger memory is per process, so caps would multiply`,
    );
  }
  const worker = cluster.isWorker ? Number(process.env.KEYBRAKE_WORKER_SLOT) : undefined;
  const log = createLogger(f.need('log-level'), undefined, worker);
  // Checked before anything listens, so each mistake names its flag.
  const checked = checkedProxyFlags(f);
  const { writeCaBundle, writeShutdownToken } = await import('../app/pod-files.ts');
  // Before readiness: a native sidecar's agents start once /readyz passes and must find the bundle.
  const bundleOut = f.string('ca-bundle-out');
  if (bundleOut && !cluster.isWorker) {
    const extra = f.string('ca-bundle-extra');
    writeCaBundle(bundleOut, [checked.caCertPem, extra ? readFlagFile('--ca-bundle-extra', extra) : '']);
  }
  const tokenOut = f.string('shutdown-token-out');
  // POST /shutdown stops the proxy the way SIGTERM does: drain, flush, exit 0. Workers share the
  // primary's token (written before they start) and signal the primary, which stops them all.
  const shutdown = tokenOut
    ? {
        token: cluster.isWorker ? fs.readFileSync(tokenOut, 'utf8') : writeShutdownToken(tokenOut),
        run: () => void process.kill(cluster.isWorker ? process.ppid : process.pid, 'SIGTERM'),
      }
    : undefined;
  if (workers > 1 && cluster.isPrimary) {
    // The primary alone reads the policy; every worker gets each policy from it (workers.ts).
    const { runWorkers } = await import('../app/workers.ts');
    try {
      return await runWorkers(workers, log, await policySourceFor(f, log));
    } catch (err) {
      return fail(log, startupError(err, checked));
    }
  }

  // Loaded here, not at the top: `keybrake proxy --help` must not load the proxy.
  const [{ startProxy }, { clusterPeers }, { compileRelayedPolicy }] = await Promise.all([
    import('../app/proxy.ts'),
    import('../app/peers.ts'),
    import('./policy-setup.ts'),
  ]);
  const peers = clusterPeers();
  const policySource = peers ? peers.policySource(compileRelayedPolicy) : await policySourceFor(f, log);
  const options = { ...checked, policySource, log, shutdown, peers };
  let proxy: Awaited<ReturnType<typeof startProxy>>;
  try {
    proxy = await startProxy(options);
  } catch (err) {
    return fail(log, startupError(err, options));
  }
  handleSignals(proxy, log);
  options.peers?.ready();
  return new Promise<number>(() => {}); // runs until signalled
}

/**
 * The proxy's options from its parsed flags: the command's, and the in-process
 * test harness's.
 */
export async function proxyOptions(f: ParsedFlags, log: Logger): Promise<ProxyOptions> {
  return { ...checkedProxyFlags(f), policySource: await policySourceFor(f, log), log };
}

/** Every file, directory and bound the flags name, checked before anything listens: each mistake throws naming its flag. */
function checkedProxyFlags(f: ParsedFlags): Omit<ProxyOptions, 'policySource' | 'log'> {
  const caCertPem = readFlagFile('--ca-cert', f.need('ca-cert'), 'pass the CA certificate file (keybrake ca new writes ca.crt)');
  const caKeyPem = readFlagFile('--ca-key', f.need('ca-key'), 'pass the CA key file (keybrake ca new writes ca.key)');
  const upstreamCa = f.string('upstream-ca');
  const upstreamCaPem = upstreamCa ? readFlagFile('--upstream-ca', upstreamCa) : undefined;
  if (f.need('policy-source') === 'file') readFlagFile('--policy', f.need('policy'), 'pass an EgressPolicy YAML file (examples/policy.yaml is one)');
  ensureWritableDir('--state-dir', f.need('state-dir'));
  const maxBodyBytes = f.number('max-body') ?? 1024 * 1024;
  return {
    caCertPem,
    caKeyPem,
    secretsDir: f.need('secrets-dir'),
    stateDir: f.need('state-dir'),
    listen: f.address('listen'),
    adminListen: f.address('admin-listen'),
    upstreams: parseUpstreams(f.list('upstream')),
    upstreamCaPem,
    ledger: f.need('ledger'),
    audit: f.need('audit'),
    maxBodyBytes,
    limits: parseConnectionLimits(f, maxBodyBytes),
    drainTimeoutMs: f.number('drain-timeout'),
    namespace: f.string('namespace'),
    pod: f.string('pod'),
  };
}

async function policySourceFor(f: ParsedFlags, log: Logger): Promise<ProxyOptions['policySource']> {
  const [{ filePolicySource }, { getPack, listPacks }] = await Promise.all([import('./policy-setup.ts'), import('../vendors/registry.ts')]);
  if (f.need('policy-source') === 'file') return filePolicySource(f.need('policy'), log);
  const { configMapPolicySource } = await import('../k8s/sidecar-source.ts');
  return configMapPolicySource({
    namespace: f.string('namespace'),
    labelsFile: f.string('pod-labels-file'),
    kubeconfig: f.string('kubeconfig'),
    stateDir: f.need('state-dir'),
    packs: getPack,
    vendors: listPacks().map((p) => p.id),
    log,
  });
}

/** A start that failed half-way may hold open listeners: exit now, after the message is out. */
function fail(log: Logger, message: string): Promise<number> {
  process.stderr.write(`keybrake proxy: ${message}\n`);
  log.fatal(message);
  log.flush(() => process.exit(1));
  return new Promise<number>(() => {});
}
