// `keybrake ca new --out-dir DIR`: a CA for a laptop run, the demo and tests.
import fs from 'node:fs';
import path from 'node:path';
import { generateCa } from '../pki/ca.ts';
import { helpText, parseFlags, type FlagSpec } from './flags.ts';

const FLAGS: FlagSpec[] = [
  { name: 'out-dir', help: 'where to write ca.crt and ca.key', default: '.' },
  { name: 'permit', help: 'name-constrain the CA to these DNS names (repeatable)', multiple: true },
];

export function runCaCommand(argv: string[]): number {
  const usage = 'keybrake ca new [--out-dir DIR] [--permit api.stripe.com …]';
  const f = parseFlags(argv.slice(argv[0] === 'new' ? 1 : 0), FLAGS);
  if (f.help || argv[0] !== 'new') {
    process.stdout.write(helpText(usage, 'Create a CA for TLS termination (key mode 0600).', FLAGS));
    return f.help ? 0 : 2;
  }
  const dir = String(f['out-dir']);
  fs.mkdirSync(dir, { recursive: true });
  const ca = generateCa({ permittedDnsNames: f.permit as string[] | undefined });
  fs.writeFileSync(path.join(dir, 'ca.crt'), ca.certPem);
  fs.writeFileSync(path.join(dir, 'ca.key'), ca.keyPem, { mode: 0o600 });
  process.stdout.write(`wrote ${path.join(dir, 'ca.crt')} and ${path.join(dir, 'ca.key')}\n`);
  return 0;
}
