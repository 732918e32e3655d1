// `keybrake kill | revive | status`: talk to a proxy's admin listener.
import fs from 'node:fs';
import { helpText, parseFlags, type FlagSpec } from './flags.ts';

const FLAGS: FlagSpec[] = [
  { name: 'admin', env: 'KEYBRAKE_ADMIN_URL', help: 'admin base URL of the proxy', default: 'http://127.0.0.1:15020' },
  { name: 'reason', help: 'kill: why (shown to the agent and in the audit)' },
  { name: 'token-file', env: 'KEYBRAKE_ADMIN_TOKEN_FILE', help: 'revive: file holding the admin token' },
];

export async function runAdminCommand(command: 'kill' | 'revive' | 'status', argv: string[]): Promise<number> {
  const f = parseFlags(argv, FLAGS);
  if (f.help) {
    process.stdout.write(helpText(`keybrake ${command} [--admin URL]`, 'Kill, revive or inspect a running proxy.', FLAGS));
    return 0;
  }
  const base = String(f.admin).replace(/\/$/, '');
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (f['token-file']) headers.authorization = `Bearer ${fs.readFileSync(String(f['token-file']), 'utf8').trim()}`;
  const init: RequestInit =
    command === 'status'
      ? { method: 'GET', headers }
      : { method: 'POST', headers, body: JSON.stringify(command === 'kill' ? { reason: f.reason ?? 'killed with keybrake kill' } : {}) };
  const res = await fetch(`${base}/${command}`, init);
  process.stdout.write(`${await res.text()}\n`);
  return res.ok ? 0 : 1;
}
