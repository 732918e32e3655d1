// `keybrake kill | revive | status`: talk to a running proxy's admin listener.
// Each has its own help; a dead or wrong admin URL is reported with the URL
// and the cause, not as "fetch failed".
import { runCommand, type CommandSpec, type FlagSpec } from './flags.ts';
import { readFlagFile } from './files.ts';
import { ConfigError } from './usage.ts';
import { renderStatus } from './status-table.ts';
import { printable, printableJson } from '../printable.ts';

export const DEFAULT_ADMIN_URL = 'http://127.0.0.1:17020';

const ADMIN: FlagSpec = {
  name: 'admin',
  env: 'KEYBRAKE_ADMIN_URL',
  help: "the proxy's admin base URL (its --admin-listen)",
  default: DEFAULT_ADMIN_URL,
  value: 'URL',
};

const KILL: CommandSpec = {
  command: 'keybrake kill',
  usage: 'keybrake kill [--reason TEXT] [--admin URL]',
  summary:
    "Turn a running proxy's kill switch on: open connections are cut and every new call is refused until revived.\n" +
    'Any caller on the loopback may kill; from elsewhere the admin token is needed.',
  flags: [
    { name: 'reason', help: 'why (shown to the agent in every refusal and recorded in the audit)', default: 'killed with keybrake kill', value: 'TEXT' },
    { name: 'token-file', env: 'KEYBRAKE_ADMIN_TOKEN_FILE', help: 'file holding the admin token (needed from outside the pod)', value: 'FILE' },
    ADMIN,
  ],
};

const REVIVE: CommandSpec = {
  command: 'keybrake revive',
  usage: 'keybrake revive --token-file FILE [--admin URL]',
  summary:
    'Turn the kill switch off again. Reviving is deliberate: it needs the admin token, and a kill set in the policy\n(spec.killed) is revived only by editing the policy.',
  flags: [
    {
      name: 'token-file',
      env: 'KEYBRAKE_ADMIN_TOKEN_FILE',
      help: 'file holding the admin token (keybrake keys admin-token writes it)',
      required: true,
      value: 'FILE',
    },
    ADMIN,
  ],
};

const STATUS: CommandSpec = {
  command: 'keybrake status',
  usage: 'keybrake status [-o table|json] [--admin URL]',
  summary: "Show a running proxy's readiness, kill state, policy in force, cap usage and calls by decision.",
  flags: [{ name: 'output', short: 'o', type: 'choice', choices: ['table', 'json'], help: 'table for people, json for scripts', default: 'table' }, ADMIN],
};

async function call(base: string, path: string, init: RequestInit): Promise<{ status: number; ok: boolean; text: string }> {
  const url = `${base.replace(/\/$/, '')}${path}`;
  let res: Response;
  try {
    res = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const detail = cause?.code ?? cause?.message ?? (err as Error).message;
    throw new ConfigError(`cannot reach the proxy's admin API at ${url} (${detail}). Is the proxy running? Pass --admin URL or set KEYBRAKE_ADMIN_URL.`);
  }
  return { status: res.status, ok: res.ok, text: await res.text() };
}

function tokenHeader(file: string | undefined): Record<string, string> {
  if (!file) return {};
  const token = readFlagFile('--token-file', file).trim();
  if (!token) throw new ConfigError(`--token-file: ${file} is empty`);
  if (/\s/.test(token))
    throw new ConfigError(`--token-file: ${file} does not hold a token (it has spaces or several lines); pass the file keybrake keys admin-token wrote`);
  return { authorization: `Bearer ${token}` };
}

/** The server's error message from a JSON body, or the body itself. */
function message(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: string; message?: string };
    return printable(body.error ?? body.message ?? text);
  } catch {
    return printable(text);
  }
}

export function runKill(argv: string[]): Promise<number> {
  return runCommand(KILL, argv, async (f) => {
    const r = await call(f.need('admin'), '/kill', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...tokenHeader(f.string('token-file')) },
      body: JSON.stringify({ reason: f.need('reason') }),
    });
    if (!r.ok) return (void process.stderr.write(`keybrake kill: the proxy answered ${r.status}: ${message(r.text)}\n`), 1);
    process.stdout.write(`killed: ${printable(f.need('reason'))}\n`);
    return 0;
  });
}

export function runRevive(argv: string[]): Promise<number> {
  return runCommand(REVIVE, argv, async (f) => {
    const headers = { 'content-type': 'application/json', ...tokenHeader(f.need('token-file')) };
    const r = await call(f.need('admin'), '/revive', { method: 'POST', headers, body: '{}' });
    if (!r.ok) return (void process.stderr.write(`keybrake revive: the proxy answered ${r.status}: ${message(r.text)}\n`), 1);
    process.stdout.write('revived\n');
    return 0;
  });
}

export function runStatus(argv: string[]): Promise<number> {
  return runCommand(STATUS, argv, async (f) => {
    const r = await call(f.need('admin'), '/status', { method: 'GET' });
    if (!r.ok) return (void process.stderr.write(`keybrake status: the proxy answered ${r.status}: ${message(r.text)}\n`), 1);
    // The answer carries kill reasons and policy text that any local caller could set: controls are shown escaped.
    const table = () => renderStatus(JSON.parse(r.text)).split('\n').map(printable).join('\n');
    process.stdout.write(f.string('output') === 'json' ? `${printableJson(r.text.trimEnd())}\n` : table());
    return 0;
  });
}
