// `keybrake controller`: EgressPolicies → ConfigMaps and status, kill fan-out,
// the Alertmanager receiver; leader-elected on a Lease.
import os from 'node:os';
import pino from 'pino';
import { runCommand, type CommandSpec, type FlagSpec, type ParsedFlags } from './flags.ts';
import { getPack, listPacks } from '../vendors/registry.ts';
import { VERSION } from '../version.ts';
import { LOG_LEVELS } from './logger.ts';

export const CONTROLLER_FLAGS: FlagSpec[] = [
  { name: 'namespaces', env: 'KEYBRAKE_NAMESPACES', help: 'namespaces to watch (default: all)', multiple: true, value: 'NS' },
  { name: 'listen', type: 'address', env: 'KEYBRAKE_CONTROLLER_LISTEN', help: '/healthz /readyz /metrics /alertmanager address', default: '0.0.0.0:17080' },
  { name: 'lease-namespace', env: 'POD_NAMESPACE', help: 'namespace of the leader-election Lease', default: 'keybrake-system' },
  { name: 'lease-name', env: 'KEYBRAKE_LEASE_NAME', help: 'name of the leader-election Lease', default: 'keybrake-controller' },
  { name: 'identity', env: 'POD_NAME', help: 'this replica in the Lease (default: hostname + pid)' },
  {
    name: 'lease-duration',
    type: 'integer',
    min: 2,
    max: 3600,
    env: 'KEYBRAKE_LEASE_DURATION',
    help: 'seconds a Lease holder may go without renewing',
    default: '15',
  },
  {
    name: 'admin-port',
    type: 'integer',
    min: 1,
    max: 65535,
    env: 'KEYBRAKE_SIDECAR_ADMIN_PORT',
    help: 'sidecar admin port reached through pods/proxy for kills',
    default: '17020',
  },
  {
    name: 'alertmanager-token-file',
    env: 'KEYBRAKE_ALERTMANAGER_TOKEN_FILE',
    help: 'bearer token Alertmanager must send (no file: receiver refuses every call)',
    default: '/etc/keybrake/tokens/alertmanager-token',
  },
  { name: 'webhook-listen', type: 'address', env: 'KEYBRAKE_WEBHOOK_LISTEN', help: 'injection webhook (/mutate, HTTPS) address', default: '0.0.0.0:17443' },
  { name: 'webhook-tls-dir', env: 'KEYBRAKE_WEBHOOK_TLS_DIR', help: 'directory with tls.crt and tls.key; without it the webhook is not served' },
  { name: 'sidecar-image', env: 'KEYBRAKE_SIDECAR_IMAGE', help: 'image the webhook injects', default: `ghcr.io/keybrake/keybrake:${VERSION}` },
  { name: 'kubeconfig', env: 'KEYBRAKE_KUBECONFIG', help: 'kubeconfig file (default: KUBECONFIG, else the in-cluster service account)' },
  { name: 'log-level', type: 'choice', choices: LOG_LEVELS, env: 'KEYBRAKE_LOG_LEVEL', help: 'log level', default: 'info' },
];

const SPEC: CommandSpec = {
  command: 'keybrake controller',
  usage: 'keybrake controller [--namespaces a,b] [options]',
  summary: 'Run the control plane: EgressPolicy → ConfigMap keybrake-policies per namespace, status, kills.',
  flags: CONTROLLER_FLAGS,
};

export function runControllerCommand(argv: string[]): Promise<number> {
  return runCommand(SPEC, argv, (f) => serve(f));
}

async function serve(f: ParsedFlags): Promise<number> {
  const duration = f.number('lease-duration')!;
  const adminPort = f.number('admin-port')!;
  const { KubeApi, loadKubeConfig } = await import('../k8s/kube.ts');
  const { startController } = await import('../app/controller.ts');
  const log = pino({
    level: f.need('log-level'),
    base: { svc: 'keybrake-controller' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  });
  const controller = await startController({
    api: new KubeApi(loadKubeConfig(f.string('kubeconfig'))),
    namespaces: f.list('namespaces').length ? f.list('namespaces') : undefined,
    listen: f.address('listen'),
    lease: {
      namespace: f.need('lease-namespace'),
      name: f.need('lease-name'),
      identity: f.string('identity') ?? `${os.hostname()}-${process.pid}`,
      durationSeconds: duration,
    },
    adminPort,
    alertmanagerTokenFile: f.string('alertmanager-token-file'),
    packs: getPack,
    vendors: listPacks().map((p) => p.id),
    log,
    ...(f.string('webhook-tls-dir')
      ? { webhook: { listen: f.address('webhook-listen'), tlsDir: f.need('webhook-tls-dir'), image: f.need('sidecar-image') } }
      : {}),
  });
  const stop = async () => {
    await controller.close();
    log.flush(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  return new Promise<number>(() => {});
}
