// `keybrake controller`: EgressPolicies → ConfigMaps and status, kill fan-out,
// the Alertmanager receiver; leader-elected on a Lease.
import os from 'node:os';
import pino from 'pino';
import { helpText, parseFlags, parseHostPort, type FlagSpec } from './flags.ts';
import { getPack, listPacks } from '../vendors/registry.ts';
import fs from 'node:fs';

// src/commands and dist/commands both sit two levels below the package root.
const VERSION = (JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export const CONTROLLER_FLAGS: FlagSpec[] = [
  { name: 'namespaces', env: 'KEYBRAKE_NAMESPACES', help: 'comma-separated namespaces to watch (default: all)', multiple: true },
  { name: 'listen', env: 'KEYBRAKE_CONTROLLER_LISTEN', help: '/healthz /readyz /metrics /alertmanager address', default: '0.0.0.0:17080' },
  { name: 'lease-namespace', env: 'POD_NAMESPACE', help: 'namespace of the leader-election Lease', default: 'keybrake-system' },
  { name: 'lease-name', env: 'KEYBRAKE_LEASE_NAME', help: 'name of the leader-election Lease', default: 'keybrake-controller' },
  { name: 'identity', env: 'POD_NAME', help: 'this replica in the Lease (default: hostname + pid)' },
  { name: 'lease-duration', env: 'KEYBRAKE_LEASE_DURATION', help: 'seconds a Lease holder may go without renewing', default: '15' },
  { name: 'admin-port', env: 'KEYBRAKE_SIDECAR_ADMIN_PORT', help: 'sidecar admin port reached through pods/proxy for kills', default: '17020' },
  { name: 'alertmanager-token-file', env: 'KEYBRAKE_ALERTMANAGER_TOKEN_FILE', help: 'bearer token Alertmanager must send (no file: receiver refuses every call)', default: '/etc/keybrake/tokens/alertmanager-token' },
  { name: 'webhook-listen', env: 'KEYBRAKE_WEBHOOK_LISTEN', help: 'injection webhook (/mutate, HTTPS) address', default: '0.0.0.0:17443' },
  { name: 'webhook-tls-dir', env: 'KEYBRAKE_WEBHOOK_TLS_DIR', help: 'directory with tls.crt and tls.key; without it the webhook is not served' },
  { name: 'sidecar-image', env: 'KEYBRAKE_SIDECAR_IMAGE', help: 'image the webhook injects', default: `ghcr.io/keybrake/keybrake:${VERSION}` },
  { name: 'kubeconfig', env: 'KEYBRAKE_KUBECONFIG', help: 'kubeconfig file (default: KUBECONFIG, else the in-cluster service account)' },
  { name: 'log-level', env: 'KEYBRAKE_LOG_LEVEL', help: 'pino log level', default: 'info' },
];

export async function runControllerCommand(argv: string[]): Promise<number> {
  const usage = 'keybrake controller [--namespaces a,b] [options]';
  const f = parseFlags(argv, CONTROLLER_FLAGS);
  if (f.help) return void process.stdout.write(helpText(usage, 'Run the control plane: EgressPolicy → ConfigMap keybrake-policies per namespace, status, kills.', CONTROLLER_FLAGS)), 0;
  const duration = Number(f['lease-duration']);
  if (!Number.isInteger(duration) || duration < 2) throw new Error(`--lease-duration must be a whole number of seconds ≥ 2, got ${JSON.stringify(f['lease-duration'])}`);
  const adminPort = Number(f['admin-port']);
  if (!Number.isInteger(adminPort) || adminPort < 1 || adminPort > 65535) throw new Error(`--admin-port must be a port number, got ${JSON.stringify(f['admin-port'])}`);
  const { KubeApi, loadKubeConfig } = await import('../k8s/kube.ts');
  const { startController } = await import('../app/controller.ts');
  const log = pino({ level: String(f['log-level']), base: { svc: 'keybrake-controller' } });
  const controller = await startController({
    api: new KubeApi(loadKubeConfig(f.kubeconfig as string | undefined)),
    namespaces: f.namespaces as string[] | undefined,
    listen: parseHostPort(String(f.listen)),
    lease: { namespace: String(f['lease-namespace']), name: String(f['lease-name']), identity: String(f.identity ?? `${os.hostname()}-${process.pid}`), durationSeconds: duration },
    adminPort,
    alertmanagerTokenFile: f['alertmanager-token-file'] as string | undefined,
    packs: getPack,
    vendors: listPacks().map((p) => p.id),
    log,
    ...(f['webhook-tls-dir']
      ? { webhook: { listen: parseHostPort(String(f['webhook-listen'])), tlsDir: String(f['webhook-tls-dir']), image: String(f['sidecar-image']) } }
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
