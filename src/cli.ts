#!/usr/bin/env node
// keybrake: one binary, one subcommand per job.
import { runProxyCommand } from './commands/proxy.ts';
import { runKeysCommand } from './commands/keys.ts';
import { runAdminCommand } from './commands/admin-client.ts';
import { runCaCommand } from './commands/ca.ts';

const HELP = `keybrake — egress enforcer for AI agents that can spend money

usage: keybrake <command> [options]     (keybrake <command> --help for its options)

commands:
  proxy     run the proxy: TLS termination, policy, caps, credential swap, audit, kill switch
  controller  run the Kubernetes control plane: EgressPolicy → ConfigMap, status, kills (leader-elected)
  keys      keys new --id NAME: create an agent key (printed once) and its policy snippet
  kill      turn a running proxy's kill switch on (--reason "…")
  revive    turn it off again (needs the admin token)
  status    show a running proxy's state, policy and cap usage
  audit     query the audit: audit spend --since 24h --by use-case | audit calls …
  ca        ca new --out-dir DIR: create a CA for TLS termination
  init-redirect  install the pod's egress redirect (the injected init container)
  scope     the smallest Stripe Restricted Key for an agent's use cases, its blast radius and EgressPolicy
  demo      run the end-to-end demo with a fake Stripe on loopback
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'proxy':
      return runProxyCommand(rest);
    case 'controller': {
      const { runControllerCommand } = await import('./commands/controller.ts');
      return runControllerCommand(rest);
    }
    case 'keys':
      return runKeysCommand(rest);
    case 'kill':
    case 'revive':
    case 'status':
      return runAdminCommand(command, rest);
    case 'audit': {
      const { runAudit } = await import('./audit/cli.ts');
      return runAudit(rest, process.stdout);
    }
    case 'ca':
      return runCaCommand(rest);
    case 'init-redirect': {
      const { runInitRedirectCommand } = await import('./commands/init-redirect.ts');
      return runInitRedirectCommand(rest);
    }
    case 'scope': {
      const { runScopeCommand } = await import('./commands/scope.ts');
      return runScopeCommand(rest);
    }
    case 'demo': {
      const { runDemo } = await import('./demo/demo.ts');
      return runDemo(rest);
    }
    case undefined:
    case '--help':
    case '-h':
    case 'help':
      process.stdout.write(HELP);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`keybrake: unknown command "${command}"\n\n${HELP}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: Error) => {
    process.stderr.write(`keybrake: ${err.message}\n`);
    process.exitCode = 1;
  },
);
