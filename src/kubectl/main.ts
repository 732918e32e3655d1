// kubectl-keybrake: the kubectl plugin (`kubectl keybrake …` once it is on PATH).
// Uses the caller's kubeconfig (KUBECONFIG or ~/.kube/config) and RBAC.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { KubeApi, loadKubeConfig } from '../k8s/kube.ts';
import { kill, keysNew, revive, status, type PluginContext } from './commands.ts';
import { UsageError } from './target.ts';

const HELP = `kubectl keybrake — kill, revive and inspect keybrake sidecars

usage:
  kubectl keybrake kill policy/NAME|deployment/NAME|pod/NAME [-n NS] --reason "…"
  kubectl keybrake revive policy/NAME [-n NS]
  kubectl keybrake status [-n NS]
  kubectl keybrake keys new --id NAME [--policy NAME] [--vendor-index N] [-n NS]

flags:
  -n, --namespace NS   namespace (default: the kubeconfig context's, else "default")
  --kubeconfig FILE    kubeconfig (default: KUBECONFIG, else ~/.kube/config)
  --admin-port PORT    sidecar admin port reached through pods/proxy (default 17020)

policy kills set spec.killed (revive clears it; RBAC on egresspolicies decides who may);
pod and deployment kills reach each sidecar at once and last until the pod is replaced.
`;

export async function main(argv: string[], out = (s: string) => void process.stdout.write(s)): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      namespace: { type: 'string', short: 'n' },
      kubeconfig: { type: 'string' },
      reason: { type: 'string' },
      id: { type: 'string' },
      policy: { type: 'string' },
      'vendor-index': { type: 'string' },
      'admin-port': { type: 'string', default: '17020' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    out(HELP);
    return command || values.help ? 0 : 2;
  }
  const kc = loadKubeConfig(values.kubeconfig);
  const context = kc.getContextObject(kc.getCurrentContext());
  const ctx: PluginContext = {
    api: new KubeApi(kc),
    namespace: values.namespace ?? context?.namespace ?? 'default',
    user: kc.getCurrentUser()?.name ?? 'unknown user',
    adminPort: Number(values['admin-port']),
    out,
  };
  switch (command) {
    case 'kill':
      return kill(ctx, rest[0], values.reason);
    case 'revive':
      return revive(ctx, rest[0]);
    case 'status':
      return status(ctx);
    case 'keys':
      if (rest[0] !== 'new') throw new UsageError('usage: kubectl keybrake keys new --id NAME [--policy NAME]');
      return keysNew(ctx, values.id, values.policy, values['vendor-index']);
    default:
      throw new UsageError(`unknown command ${JSON.stringify(command)}`);
  }
}

if (process.argv[1] && fs.realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (err: Error) => {
      process.stderr.write(`kubectl keybrake: ${err.message}\n${err instanceof UsageError ? `\n${HELP}` : ''}`);
      process.exitCode = err instanceof UsageError ? 2 : 1;
    },
  );
}
