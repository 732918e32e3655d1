// `keybrake keys new --id NAME`: a new agent key, printed once, and the policy
// snippet holding only its hash. Revoke it by removing the entry.
import crypto from 'node:crypto';
import { helpText, parseFlags, type FlagSpec } from './flags.ts';

const FLAGS: FlagSpec[] = [{ name: 'id', help: 'name of the key in the policy (agentKeys[].id)', required: true }];

export function newAgentKey(): { key: string; sha256: string } {
  const key = `kb_${crypto.randomBytes(24).toString('base64url')}`;
  return { key, sha256: crypto.createHash('sha256').update(key).digest('hex') };
}

export function runKeysCommand(argv: string[]): number {
  const usage = 'keybrake keys new --id NAME';
  if (argv[0] !== 'new') {
    process.stderr.write(helpText(usage, 'Create an agent key.', FLAGS));
    return 2;
  }
  const f = parseFlags(argv.slice(1), FLAGS);
  if (f.help || !f.id) {
    process.stdout.write(helpText(usage, 'Create a keybrake agent key. The key is printed once; the policy keeps only its SHA-256.', FLAGS));
    return f.help ? 0 : 2;
  }
  const { key, sha256 } = newAgentKey();
  process.stdout.write(
    `agent key (give it to the agent; it is shown only once):\n  ${key}\n\n` +
      `add to the vendor entry of your EgressPolicy:\n      agentKeys:\n        - {id: ${JSON.stringify(String(f.id))}, sha256: "${sha256}"}\n`,
  );
  return 0;
}
