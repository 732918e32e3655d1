// `keybrake ca new --out-dir DIR`: a CA for a laptop run, the demo and tests.
import fs from 'node:fs';
import path from 'node:path';
import { generateCa } from '../pki/ca.ts';
import { runCommand, subcommand, type CommandSpec } from './flags.ts';
import { ConfigError } from './usage.ts';
import { writeSecretFile } from './files.ts';

const SPEC: CommandSpec = {
  command: 'keybrake ca',
  usage: 'keybrake ca new [--out-dir DIR] [--permit api.stripe.com …]',
  summary:
    'Create a CA for TLS termination: DIR/ca.crt (give it to the agent as NODE_EXTRA_CA_CERTS) and DIR/ca.key\n' +
    '(mode 0600, only the proxy reads it). Existing files are never overwritten.',
  flags: [
    { name: 'out-dir', help: 'where to write ca.crt and ca.key', default: '.', value: 'DIR' },
    { name: 'permit', help: 'name-constrain the CA to these DNS names', multiple: true, value: 'NAME' },
  ],
  positionals: [{ name: 'new', help: 'create the CA (the only subcommand)' }],
  maxPositionals: 1,
};

export function runCaCommand(argv: string[]): Promise<number> {
  return runCommand(SPEC, argv, (f, positionals) => {
    subcommand('keybrake ca', positionals[0], ['new']);
    const dir = f.need('out-dir');
    const cert = path.join(dir, 'ca.crt');
    const key = path.join(dir, 'ca.key');
    // Checked before writing either, so a refusal never leaves a new key beside an old certificate.
    for (const file of [cert, key]) {
      if (fs.existsSync(file)) throw new ConfigError(`${file} already exists; keybrake never overwrites a CA. Remove it first, or pass another --out-dir`);
    }
    const permit = f.list('permit');
    const ca = generateCa({ permittedDnsNames: permit.length ? permit : undefined });
    writeSecretFile('--out-dir', key, ca.keyPem);
    writeSecretFile('--out-dir', cert, ca.certPem, 0o644);
    process.stdout.write(`wrote ${cert} and ${key} (mode 0600)\n`);
    return 0;
  });
}
