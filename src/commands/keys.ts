// `keybrake keys new --id NAME`: a new agent key, printed once (or written to a
// 0600 file), and the policy snippet holding only its hash. Revoke it by
// removing the entry. `keybrake keys admin-token`: the token that revives a
// killed proxy, written where the proxy reads it.
import crypto from 'node:crypto';
import path from 'node:path';
import { runCommand, subcommand, type CommandSpec } from './flags.ts';
import { writeSecretFile } from './files.ts';

/** Where the proxy reads the admin token: a Secret-volume layout under --secrets-dir. */
export const ADMIN_TOKEN_REF = { name: 'keybrake-admin', key: 'token' } as const;

export function newAgentKey(): { key: string; sha256: string } {
  const key = `kb_${crypto.randomBytes(24).toString('base64url')}`;
  return { key, sha256: crypto.createHash('sha256').update(key).digest('hex') };
}

const OVERVIEW: CommandSpec = {
  command: 'keybrake keys',
  usage: 'keybrake keys new --id NAME [--out FILE] | keybrake keys admin-token [--secrets-dir DIR]',
  summary: 'Agent keys and the admin token. `keybrake keys new --help` and `keybrake keys admin-token --help` show each.',
  flags: [],
  positionals: [
    { name: 'new', help: 'create an agent key and print its policy snippet' },
    { name: 'admin-token', help: 'create the admin token file the proxy reads (revive needs it)' },
  ],
  maxPositionals: 1,
};

const NEW: CommandSpec = {
  command: 'keybrake keys new',
  usage: 'keybrake keys new --id NAME [--out FILE]',
  summary: 'Create a keybrake agent key. The key is printed once (or written to --out, mode 0600); the policy keeps only its SHA-256.',
  flags: [
    { name: 'id', help: 'name of the key in the policy (agentKeys[].id)', required: true, value: 'NAME' },
    { name: 'out', help: 'write the key to this file (mode 0600, never overwritten) instead of printing it', value: 'FILE' },
  ],
};

const ADMIN_TOKEN: CommandSpec = {
  command: 'keybrake keys admin-token',
  usage: 'keybrake keys admin-token [--secrets-dir DIR]',
  summary:
    `Create the admin token: DIR/${ADMIN_TOKEN_REF.name}/${ADMIN_TOKEN_REF.key} (mode 0600, never overwritten), where\n` +
    '`keybrake proxy --secrets-dir DIR` reads it. `keybrake revive --token-file` that file turns a kill off.',
  flags: [{ name: 'secrets-dir', env: 'KEYBRAKE_SECRETS_DIR', help: "the proxy's --secrets-dir", default: './secrets', value: 'DIR' }],
};

export async function runKeysCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'new') return runCommand(NEW, rest, (f) => newKey(f.need('id'), f.string('out')));
  if (sub === 'admin-token') return runCommand(ADMIN_TOKEN, rest, (f) => adminToken(f.need('secrets-dir')));
  return runCommand(OVERVIEW, argv, (_f, positionals) => {
    subcommand('keybrake keys', positionals[0], ['new', 'admin-token']);
    return 0; // not reached: known subcommands are dispatched above
  });
}

function newKey(id: string, out: string | undefined): number {
  const { key, sha256 } = newAgentKey();
  const snippet = `add to the vendor entry of your EgressPolicy:\n      agentKeys:\n        - {id: ${JSON.stringify(id)}, sha256: "${sha256}"}\n`;
  if (out) {
    writeSecretFile('--out', out, `${key}\n`);
    process.stdout.write(`agent key written to ${out} (mode 0600); give it to the agent.\n\n${snippet}`);
  } else {
    process.stdout.write(`agent key (give it to the agent; it is shown only once):\n  ${key}\n\n${snippet}`);
  }
  return 0;
}

function adminToken(secretsDir: string): number {
  const file = path.join(secretsDir, ADMIN_TOKEN_REF.name, ADMIN_TOKEN_REF.key);
  writeSecretFile('--secrets-dir', file, `${crypto.randomBytes(32).toString('base64url')}\n`);
  process.stdout.write(`admin token written to ${file} (mode 0600)\nrevive a killed proxy with: keybrake revive --token-file ${file}\n`);
  return 0;
}
