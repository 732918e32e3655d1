#!/usr/bin/env node
// keybrake: one binary, one subcommand per job. Commands are loaded only when
// run, so `keybrake --help` or `keybrake kill` never loads the proxy, the
// stores or the vendor packs.
import { closest } from './commands/usage.ts';
import { VERSION } from './version.ts';

type Runner = (argv: string[]) => Promise<number> | number;

interface Command {
  summary: string;
  load(): Promise<Runner>;
}

const COMMANDS: Record<string, Command> = {
  proxy: {
    summary: 'run the proxy: TLS termination, policy, caps, credential swap, audit, kill switch',
    load: async () => (await import('./commands/proxy.ts')).runProxyCommand,
  },
  controller: {
    summary: 'run the Kubernetes control plane: EgressPolicy → ConfigMap, status, kills (leader-elected)',
    load: async () => (await import('./commands/controller.ts')).runControllerCommand,
  },
  keys: {
    summary: 'keys new --id NAME: an agent key; keys admin-token: the admin token file',
    load: async () => (await import('./commands/keys.ts')).runKeysCommand,
  },
  kill: {
    summary: 'turn a running proxy\'s kill switch on (--reason "…")',
    load: async () => (await import('./commands/admin-client.ts')).runKill,
  },
  revive: {
    summary: 'turn it off again (needs the admin token)',
    load: async () => (await import('./commands/admin-client.ts')).runRevive,
  },
  status: {
    summary: "show a running proxy's readiness, kill state, policy and cap usage",
    load: async () => (await import('./commands/admin-client.ts')).runStatus,
  },
  audit: {
    summary: 'query the audit: audit spend --since 24h --by use-case | audit calls …',
    load: async () => (await import('./commands/audit.ts')).runAudit,
  },
  ca: {
    summary: 'ca new --out-dir DIR: create a CA for TLS termination',
    load: async () => (await import('./commands/ca.ts')).runCaCommand,
  },
  'init-redirect': {
    summary: "install the pod's egress redirect (the injected init container)",
    load: async () => (await import('./commands/init-redirect.ts')).runInitRedirectCommand,
  },
  scope: {
    summary: "the smallest Stripe Restricted Key for an agent's use cases, its blast radius and EgressPolicy",
    load: async () => (await import('./commands/scope.ts')).runScopeCommand,
  },
  policy: {
    summary: 'policy check FILE…: validate EgressPolicy files; policy schema: print the JSON Schema',
    load: async () => (await import('./commands/policy.ts')).runPolicyCommand,
  },
  demo: {
    summary: 'run the end-to-end demo with a fake Stripe on loopback',
    load: async () => (await import('./demo/demo.ts')).runDemo,
  },
};

const HELP = `keybrake — egress enforcer for AI agents that can spend money

usage: keybrake <command> [options]
       keybrake <command> --help      every option of one command
       keybrake --version

commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(13)} ${c.summary}`)
  .join('\n')}
`;

const NODE_MAJOR = Number(process.versions.node.split('.')[0]);

async function main(argv: string[]): Promise<number> {
  if (NODE_MAJOR < 24) {
    // node:sqlite and the rest need Node 24; say so instead of ERR_UNKNOWN_BUILTIN_MODULE.
    process.stderr.write(
      `keybrake needs Node.js 24 or newer, and this is ${process.version}. In a clone of the repository, run it as ` +
        '`npx keybrake …` after `npm ci`: that uses the Node 24 the project pins.\n',
    );
    return 1;
  }
  const [name, ...rest] = argv;
  if (name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(HELP);
    return 0;
  }
  if (name === '--version' || name === '-v' || name === 'version') {
    process.stdout.write(`keybrake ${VERSION}\n`);
    return 0;
  }
  if (name === undefined) {
    process.stderr.write(`keybrake: missing command\n\n${HELP}`);
    return 2;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    const hit = closest(name, Object.keys(COMMANDS));
    process.stderr.write(`keybrake: unknown command "${name}"${hit ? `; did you mean "${hit}"?` : ''}\n\n${HELP}`);
    return 2;
  }
  return (await command.load())(rest);
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
